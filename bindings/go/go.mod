module wasmo

go 1.19
