"""Merge layers: Concatenate (every axis), Add, Subtract, Multiply, Average, Maximum, Minimum, Dot."""

from conformance.case import family, layer_case

R3 = [(2, 3, 4), (2, 3, 4)]
CASES = [
    layer_case("Concatenate_axis_-1", "Concatenate", {}, [(2, 3), (2, 5)], grad=True),
    layer_case("Concatenate_axis_-1_rank3", "Concatenate", {"axis": -1}, [(2, 3, 4), (2, 3, 2)]),
    layer_case("Concatenate_axis_1", "Concatenate", {"axis": 1}, [(2, 3, 4), (2, 5, 4)], grad=True),
    layer_case("Concatenate_axis_2", "Concatenate", {"axis": 2}, [(2, 3, 4), (2, 3, 1)]),
    layer_case("Concatenate_axis_-2", "Concatenate", {"axis": -2}, [(2, 3, 4), (2, 2, 4)]),
    layer_case("Concatenate_three_rank4", "Concatenate", {"axis": 3},
               [(2, 2, 3, 1), (2, 2, 3, 2), (2, 2, 3, 3)]),
    layer_case("Add_two", "Add", {}, R3, grad=True),
    layer_case("Add_three", "Add", {}, [(2, 5)] * 3),
    layer_case("Add_broadcast", "Add", {}, [(2, 3, 4), (2, 1, 4)]),
    layer_case("Subtract", "Subtract", {}, R3, grad=True),
    layer_case("Subtract_rank2", "Subtract", {}, [(3, 5), (3, 5)]),
    layer_case("Multiply_two", "Multiply", {}, R3, grad=True),
    layer_case("Multiply_three", "Multiply", {}, [(3, 4)] * 3),
    layer_case("Average_two", "Average", {}, R3, grad=True),
    layer_case("Average_three", "Average", {}, [(3, 4)] * 3),
    layer_case("Maximum_two", "Maximum", {}, R3, grad=True),
    layer_case("Maximum_three", "Maximum", {}, [(3, 4)] * 3),
    layer_case("Minimum_two", "Minimum", {}, R3, grad=True),
    layer_case("Minimum_three", "Minimum", {}, [(3, 4)] * 3),
    layer_case("Dot_axes_1_rank2", "Dot", {"axes": 1}, [(3, 5), (3, 5)], grad=True),
    layer_case("Dot_axes_1_normalize", "Dot", {"axes": 1, "normalize": True}, [(3, 5), (3, 5)], grad=True),
    layer_case("Dot_axes_-1_rank3", "Dot", {"axes": -1}, [(2, 3, 4), (2, 5, 4)]),
    layer_case("Dot_axes_2_1_rank3", "Dot", {"axes": (2, 1)}, [(2, 3, 4), (2, 4, 5)], grad=True),
    layer_case("Dot_axes_1_1_rank3", "Dot", {"axes": [1, 1]}, [(2, 3, 4), (2, 3, 5)]),
    layer_case("Dot_axes_2_normalize_rank3", "Dot", {"axes": 2, "normalize": True}, [(2, 3, 4), (2, 5, 4)]),
]

CASES = family("merging", CASES)
