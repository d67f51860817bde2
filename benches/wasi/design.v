module top(input clk, input rst, input [7:0] a, input [7:0] b, input [1:0] op, output reg [7:0] y, output reg [7:0] count);
  always @(posedge clk) begin
    if (rst) count <= 0; else count <= count + 1;
    case (op)
      2'd0: y <= a + b;
      2'd1: y <= a - b;
      2'd2: y <= a & b;
      default: y <= a ^ count;
    endcase
  end
endmodule
