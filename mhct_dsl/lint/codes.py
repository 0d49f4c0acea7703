"""The lint's warning codes: what an ``accept CODE ...`` entry may name (the checker checks it)."""

CODES = {
    "red_equal": "two clusters of a group have the same red rows",
    "grids_coincide": "two clusters of a group have the same red and orange rows",
    "red_nested": "every profile meeting one cluster's red rows meets another's",
    "never_best": "no profile makes the cluster its group's best fit",
    "criterion_never_true": "a criterion can never hold (alone, or with the others of its column)",
    "criterion_always_true": "a criterion always holds (alone, or given the others)",
    "column_never_holds": "a column can never hold",
    "column_always_holds": "a column always holds",
    "target_never_fits": "a likely/possible step target can never fit better than the cluster",
    "step_up_and_discharge": "one record can meet both the step-up and the discharge column",
}
