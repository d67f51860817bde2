# wasmo_wat_to_wasm(<target> <out-dir> <wat files...>): compiles .wat files to .wasm with wabt's
# wat2wasm (installed by scripts/setup.sh) into <out-dir>, as part of <target>.
find_program(WAT2WASM wat2wasm REQUIRED)

function(wasmo_wat_to_wasm target out_dir)
  set(outputs)
  foreach(wat ${ARGN})
    get_filename_component(name "${wat}" NAME_WE)
    set(out "${out_dir}/${name}.wasm")
    add_custom_command(OUTPUT "${out}"
      COMMAND ${CMAKE_COMMAND} -E make_directory "${out_dir}"
      COMMAND ${WAT2WASM} --enable-all "${wat}" -o "${out}"
      DEPENDS "${wat}" VERBATIM)
    list(APPEND outputs "${out}")
  endforeach()
  add_custom_target(${target} ALL DEPENDS ${outputs})
endfunction()
