"""An independent transcription of Appendix 3 of the Mental Health Clustering Booklet (V3.0).

Typed from the booklet's text copy (``seeds/004_cdb5cde344a63715.txt``), NOT generated from the rule
files, so that ``tests/test_national_rules.py`` can pin ``rules/`` to the booklet: an edit to a rule
file that drifts from the booklet fails a test.

* ``CLUSTERS``: per cluster 0-21, the CARE CLUSTER heading, the "Indicative episode of care" and
  "Cluster reviews at least (every)" lines as printed and as the model's tuples, and the three
  column quantifiers from the column headers ("(The following criterion is met)" = ``one``,
  "(All of the following criteria are met)" = ``all``, "(Any of the following criteria are met)" =
  ``any``, a column whose only content is "N/A" = ``n/a``).
* ``CRITERIA``: every criterion of every protocol table, in booklet order: (cluster, column, index
  from 1, the booklet's sentence, the formal condition we would write for it, as
  ``mhct_dsl.formatter.format_condition`` prints it).
* ``DIAGRAMS``: per cluster, the boxes of its transition diagram ("CARE CLUSTER N: ..." followed by
  "Cluster(s): ..." lines near the end of the text copy), each box the set of clusters it lists.
"""

from __future__ import annotations

# ---------------------------------------------------------------------------------------------
# 1. Cluster headers
# ---------------------------------------------------------------------------------------------

#: cluster -> (name, kind, episode as printed, episode tuple (low, high, open_ended, unit) or None,
#:             review as printed, review tuple (amount, unit) or None,
#:             {column: quantifier} for step_up / discharge / step_down, or {} for no columns)
CLUSTERS: dict[int, tuple] = {
    0: ("Variance", "variance",
        None, None,
        "6 months", (6, "month"),
        {}),
    1: ("Common Mental Health Problems (Low Severity)", "standard",
        "8 – 12 weeks", (8, 12, False, "week"),
        "12 weeks", (12, "week"),
        {"step_up": "one", "discharge": "all", "step_down": "n/a"}),
    2: ("Common Mental Health Problems (Low Severity with greater need)", "standard",
        "12 – 15 weeks", (12, 15, False, "week"),
        "15 weeks", (15, "week"),
        {"step_up": "one", "discharge": "all", "step_down": "n/a"}),
    3: ("Non-Psychotic (Moderate Severity)", "standard",
        "4 - 6 months", (4, 6, False, "month"),
        "6 months", (6, "month"),
        {"step_up": "one", "discharge": "all", "step_down": "all"}),
    4: ("Non-Psychotic (Severe)", "standard",
        "6 - 12 months", (6, 12, False, "month"),
        "6 months", (6, "month"),
        {"step_up": "one", "discharge": "all", "step_down": "all"}),
    5: ("Non-psychotic Disorders (Very Severe)", "standard",
        "1- 3 years.", (1, 3, False, "year"),
        "6 Months", (6, "month"),
        {"step_up": "one", "discharge": "all", "step_down": "one"}),
    6: ("Non-Psychotic Disorder of Over-Valued Ideas", "standard",
        "3 years +", (3, None, True, "year"),
        "6 months", (6, "month"),
        {"step_up": "one", "discharge": "all", "step_down": "one"}),
    7: ("Enduring Non-Psychotic Disorders (High Disability)", "standard",
        "3 years +", (3, None, True, "year"),
        "Annually", (1, "year"),
        {"step_up": "one", "discharge": "all", "step_down": "one"}),
    8: ("Non-Psychotic Chaotic and Challenging Disorders", "standard",
        "3 years +", (3, None, True, "year"),
        "Annually", (1, "year"),
        {"step_up": "one", "discharge": "all", "step_down": "one"}),
    9: ("Blank Cluster", "blank",
        None, None,
        None, None,
        {}),
    10: ("First Episode Psychosis", "standard",
         "3 years.", (3, None, False, "year"),
         "Annually", (1, "year"),
         {"step_up": "one", "discharge": "all", "step_down": "all"}),
    11: ("Ongoing Recurrent Psychosis (Low Symptoms)", "standard",
         "2 years +", (2, None, True, "year"),
         "Annually", (1, "year"),
         {"step_up": "one", "discharge": "all", "step_down": "n/a"}),
    12: ("Ongoing or Recurrent Psychosis (High Disability)", "standard",
         "3 years +", (3, None, True, "year"),
         "Annually", (1, "year"),
         {"step_up": "one", "discharge": "all", "step_down": "one"}),
    13: ("Ongoing or Recurrent Psychosis (High Symptom & Disability)", "standard",
         "3 years +", (3, None, True, "year"),
         "Annually", (1, "year"),
         {"step_up": "one", "discharge": "all", "step_down": "one"}),
    14: ("Psychotic Crisis", "standard",
         "8 – 12 weeks", (8, 12, False, "week"),
         "4 weeks", (4, "week"),
         {"step_up": "n/a", "discharge": "all", "step_down": "one"}),
    15: ("Severe Psychotic Depression", "standard",
         "8 – 12 weeks", (8, 12, False, "week"),
         "4 weeks", (4, "week"),
         {"step_up": "n/a", "discharge": "all", "step_down": "one"}),
    16: ("Psychosis & Affective Disorder (High Substance Misuse & Engagement)", "standard",
         "3 years +", (3, None, True, "year"),
         "6 months", (6, "month"),
         {"step_up": "one", "discharge": "all", "step_down": "all"}),
    17: ("Psychosis and Affective Disorder – Difficult to Engage", "standard",
         "3 years +", (3, None, True, "year"),
         "6 months", (6, "month"),
         {"step_up": "any", "discharge": "all", "step_down": "all"}),
    18: ("Cognitive Impairment (Low Need)", "standard",
         "3 years +", (3, None, True, "year"),
         "Annually", (1, "year"),
         {"step_up": "one", "discharge": "all", "step_down": "all"}),
    19: ("Cognitive Impairment or Dementia Complicated (Moderate Need)", "standard",
         "3 years +", (3, None, True, "year"),
         "6 months", (6, "month"),
         {"step_up": "one", "discharge": "all", "step_down": "n/a"}),
    20: ("Cognitive Impairment or Dementia Complicated (High Need)", "standard",
         "3 years +", (3, None, True, "year"),
         "6 months", (6, "month"),
         {"step_up": "one", "discharge": "all", "step_down": "all"}),
    21: ("Cognitive Impairment or Dementia (High Physical or Engagement)", "standard",
         "3 years +", (3, None, True, "year"),
         "6 months", (6, "month"),
         {"step_up": "n/a", "discharge": "all", "step_down": "all"}),
}

# ---------------------------------------------------------------------------------------------
# 2. Criteria
# ---------------------------------------------------------------------------------------------

# Sentences the booklet repeats verbatim on several pages (typed once; each use was checked against
# the page it stands for).
STEP_UP = ("Service User fits description and scoring profile of any likely/ possible ‘step-up’ "
           "cluster.")
STEP_DOWN = ("Service User fits description and scoring profile of any likely/ possible "
             "‘step-down’ cluster.")
STEP_DOWN_NO_STOP = ("Service User fits description and scoring profile of any likely/ possible "
                     "‘step-down’ cluster")
STEP_DOWN_12M = ("Service User fits description and scoring profile of any likely/ possible "
                 "‘step-down’ cluster consistently for the past 12 months.")
FITTED_DOWN_12M = ("Service User has fitted description and scoring profile of any likely/ "
                   "possible ‘step-down’ cluster consistently for the past 12 months.")
COMPLETED = ("Patient has completed a successful period of treatment but is left with residual "
             "co-morbidities requiring an alternative treatment package at a lower intensity.")
MEDICATION_YEAR = ("Requires no psychotropic medication or has been on a stable dose for the past "
                   "year.")
MEDICATION_ADHERENT = ("Requires no psychotropic medication or has been on a stable dose and is "
                       "adherent.")
DETAINED = "Not currently detained under the Mental Health Act."
NO_IHT_YEAR = "Has required no inpatient / IHT packages for the past year."
NO_IHT_12M = "No inpatient / home treatment packages for the last 12 months"
RISKS = "Any residual risks can be managed by primary care."
INCLUSION = "Level of social inclusion meets service user’s expectations."
TWO_YEARS = "Has received 2 years of specialist MH intervention."
ONE_YEAR = "Has received at least 1 year of specialist Mental Health intervention"
ITEM2_ZERO = "MHCT V1 item 2 (Non-accidental self-injury) = 0"
ITEM2_ONE = "MHCT V1 item 2 (Non-accidental self-injury) = 1 or less"
ITEM7 = "MHCT V1 item 7 (Depression) = 1 or less"
ITEM8 = "MHCT V1 item 8 (Other) = 1 or less"

# Formal conditions (format_condition's one-line text).
F_UP = "fits step_up"
F_DOWN = "fits step_down"
F_DOWN_12M = "fits step_down consistently for 12 months"
F_MED_YEAR = "fact medication_stable_past_year"
F_MED_ADH = "fact medication_stable_adherent"
F_DETAINED = "not fact detained_mha"
F_NO_IHT = "no event inpatient_or_iht within 12 months"
F_RISKS = "fact residual_risks_manageable_in_primary_care"
F_INCL = "fact social_inclusion_meets_expectations"
F_MAINTAINED = "fact need_maintained_until_next_review"
# issue 11, finding 12: clusters 19-21 name comorbidities, 20-21 ask that an improvement last
F_RISKS_COMORBID = "fact residual_risks_and_comorbidities_manageable_in_primary_care"
F_SUSTAINED = "fact improvement_sustained_until_next_review"

_S, _D, _N = "step_up", "discharge", "step_down"

#: (cluster, column, index from 1, booklet sentence, expected formal condition)
CRITERIA: list[tuple[int, str, int, str, str]] = [
    # -- Cluster 1: Common Mental Health Problems (low severity) -----------------------------------
    (1, _S, 1, STEP_UP, F_UP),
    (1, _D, 1, ITEM2_ZERO, "scale 2 = 0"),
    (1, _D, 2, ITEM7, "scale 7 <= 1"),
    (1, _D, 3, ITEM8, "scale 8 <= 1"),
    # -- Cluster 2: Common Mental Health Problems --------------------------------------------------
    (2, _S, 1, STEP_UP, F_UP),
    (2, _D, 1, ITEM2_ZERO, "scale 2 = 0"),
    (2, _D, 2, ITEM7, "scale 7 <= 1"),
    (2, _D, 3, ITEM8, "scale 8 <= 1"),
    # -- Cluster 3: Non-Psychotic (Moderate Severity) ----------------------------------------------
    (3, _S, 1, STEP_UP, F_UP),
    (3, _D, 1, ITEM2_ZERO, "scale 2 = 0"),
    (3, _D, 2, ITEM7, "scale 7 <= 1"),
    (3, _D, 3, ITEM8, "scale 8 <= 1"),
    (3, _N, 1, COMPLETED, "fact completed_treatment_residual_comorbidities"),
    (3, _N, 2, STEP_DOWN_NO_STOP, F_DOWN),
    # -- Cluster 4: Non-Psychotic (Severe) ---------------------------------------------------------
    (4, _S, 1, STEP_UP, F_UP),
    (4, _D, 1, ITEM2_ZERO, "scale 2 = 0"),
    (4, _D, 2, ITEM7, "scale 7 <= 1"),
    (4, _D, 3, ITEM8, "scale 8 <= 1"),
    (4, _N, 1, COMPLETED, "fact completed_treatment_residual_comorbidities"),
    (4, _N, 2, STEP_DOWN_NO_STOP, F_DOWN),
    # -- Cluster 5: Non-Psychotic (very severe) ----------------------------------------------------
    (5, _S, 1, STEP_UP, F_UP),
    (5, _D, 1, ITEM2_ZERO, "scale 2 = 0"),
    (5, _D, 2, ITEM7, "scale 7 <= 1"),
    (5, _D, 3, ITEM8, "scale 8 <= 1"),
    (5, _N, 1, STEP_DOWN, F_DOWN),
    # -- Cluster 6: Non-Psychotic Disorders of overvalued Ideas ------------------------------------
    (6, _S, 1, STEP_UP, F_UP),
    (6, _D, 1, ITEM2_ONE, "scale 2 <= 1"),
    (6, _D, 2, ITEM7, "scale 7 <= 1"),
    (6, _D, 3, ITEM8, "scale 8 <= 1"),
    (6, _D, 4, "MHCT V1 item 13 (Strong unreasonable beliefs) = 2 or less", "scale 13 <= 2"),
    (6, _N, 1, STEP_DOWN, F_DOWN),
    # -- Cluster 7: Enduring Non-Psychotic Disorders (high disability) -----------------------------
    (7, _S, 1, STEP_UP, F_UP),
    (7, _D, 1, ITEM2_ONE, "scale 2 <= 1"),
    (7, _D, 2, ITEM7, "scale 7 <= 1"),
    (7, _D, 3, ITEM8, "scale 8 <= 1"),
    (7, _N, 1, STEP_DOWN, F_DOWN),
    # -- Cluster 8: Non-Psychotic Chaotic and Challenging Disorders --------------------------------
    (8, _S, 1, STEP_UP, F_UP),
    (8, _D, 1, ITEM2_ONE, "scale 2 <= 1"),
    (8, _D, 2, "MHCT V1 item B (self-harm) = 1 or less", "scale B <= 1"),
    (8, _D, 3, ITEM7, "scale 7 <= 1"),
    (8, _D, 4, "MHCT V1 Item 8 (Other) = 1 or less", "scale 8 <= 1"),
    (8, _N, 1, STEP_DOWN_12M, F_DOWN_12M),
    # -- Cluster 10: First Episode in Psychosis ----------------------------------------------------
    (10, _S, 1, STEP_UP, F_UP),
    (10, _D, 1, MEDICATION_YEAR, F_MED_YEAR),
    (10, _D, 2, "Rates 0-1 on MHCT V1 item 6 (Hallucinations and Delusions)", "scale 6 in 0..1"),
    (10, _D, 3, DETAINED, F_DETAINED),
    (10, _D, 4, NO_IHT_YEAR, F_NO_IHT),
    (10, _D, 5, RISKS, F_RISKS),
    (10, _D, 6, "Rates 0-1 on MHCT V1 item 12 (Occupation and Activities).", "scale 12 in 0..1"),
    (10, _D, 7, INCLUSION, F_INCL),
    (10, _D, 8,
     "Has received three years of intervention from an Early Intervention in Psychosis Team, or "
     "no longer feels they require a service.",
     "any { with_team eip >= 3 years  fact no_longer_requires_service }"),
    (10, _N, 1,
     "Has a prescribed period of treatment from an Early Intervention in Psychosis Team or "
     "equivalent (depending on age).",
     "fact prescribed_eip_period"),
    (10, _N, 2,
     "Service user fits description and scoring profile of any likely/ possible ‘step down’ "
     "cluster and the level of need is likely to be maintained until the next planned review.",
     "all { fits step_down  fact need_maintained_until_next_review }"),
    # -- Cluster 11: Ongoing Recurrent Psychosis (low symptoms) ------------------------------------
    (11, _S, 1, STEP_UP, F_UP),
    (11, _D, 1,
     "Fits profile of cluster 11 at the point of the planned CPA review, and has done so "
     "consistently for the past 12 months.",
     "fits cluster 11 consistently for 12 months"),
    (11, _D, 2, MEDICATION_YEAR, F_MED_YEAR),
    (11, _D, 3, DETAINED, F_DETAINED),
    (11, _D, 4, NO_IHT_YEAR, F_NO_IHT),
    (11, _D, 5, RISKS, F_RISKS),
    (11, _D, 6, "Scores 0-1 on MHCT V1 item 12 (Occupation and Activities).", "scale 12 in 0..1"),
    (11, _D, 7, INCLUSION, F_INCL),
    # -- Cluster 12: Ongoing or Recurrent Psychosis (high disability) ------------------------------
    (12, _S, 1, STEP_UP, F_UP),
    (12, _D, 1,
     "Fits profile of cluster 12 at the point of the planned CPA review, and has done so "
     "consistently for the past 12 months.",
     "fits cluster 12 consistently for 12 months"),
    (12, _D, 2, MEDICATION_YEAR, F_MED_YEAR),
    (12, _D, 3, DETAINED, F_DETAINED),
    (12, _D, 4, NO_IHT_YEAR, F_NO_IHT),
    (12, _D, 5, RISKS, F_RISKS),
    (12, _D, 6, "Scores 0-1 on MHCT V1 item 12 (Occupation and Activities).", "scale 12 in 0..1"),
    (12, _D, 7, INCLUSION, F_INCL),
    (12, _N, 1, STEP_DOWN_12M, F_DOWN_12M),
    # -- Cluster 13: Ongoing or Recurrent Psychosis (high symptom and disability) ------------------
    (13, _S, 1, STEP_UP, F_UP),
    (13, _D, 1, TWO_YEARS, "in_service >= 2 years"),
    (13, _D, 2, MEDICATION_YEAR, F_MED_YEAR),
    (13, _D, 3, "Scores 0-1 on MHCT V1 item 6 (Hallucinations and Delusions)", "scale 6 in 0..1"),
    (13, _D, 4, DETAINED, F_DETAINED),
    (13, _D, 5, NO_IHT_YEAR, F_NO_IHT),
    (13, _D, 6, RISKS, F_RISKS),
    (13, _D, 7, "Scores 0-1 on MHCT V1 item 12 (Occupation and Activities).", "scale 12 in 0..1"),
    (13, _D, 8, INCLUSION, F_INCL),
    (13, _N, 1, STEP_DOWN_12M, F_DOWN_12M),
    # -- Cluster 14: Psychotic Crisis (step-up N/A) ------------------------------------------------
    (14, _D, 1, MEDICATION_ADHERENT, F_MED_ADH),
    (14, _D, 2, "Scores 0-1 on MHCT V1 item 6 (Hallucinations and Delusions).", "scale 6 in 0..1"),
    (14, _D, 3, "Any residual risks can be managed by Primary Care.", F_RISKS),
    (14, _D, 4, "Scores 0-2 on MHCT V1 item 12 (Occupation and Activities).", "scale 12 in 0..2"),
    (14, _D, 5, INCLUSION, F_INCL),
    (14, _N, 1, STEP_DOWN, F_DOWN),
    # -- Cluster 15: Severe Psychotic Depression (step-up N/A) -------------------------------------
    (15, _D, 1, MEDICATION_ADHERENT, F_MED_ADH),
    (15, _D, 2, "Scores 0-1 on MHCT V1 item 6 (Hallucinations and Delusions).", "scale 6 in 0..1"),
    (15, _D, 3, "Any residual risks can be managed by Primary Care.", F_RISKS),
    (15, _D, 4, "Scores 0-2 on MHCT V1 item 12 (Occupation and Activities).", "scale 12 in 0..2"),
    (15, _D, 5, "Level of social inclusion meets service user’s expectations", F_INCL),
    (15, _N, 1, STEP_DOWN, F_DOWN),
    # -- Cluster 16: Psychosis & Affective Disorder (High Substance Misuse & Engagement) -----------
    (16, _S, 1, STEP_UP, F_UP),
    (16, _D, 1, TWO_YEARS, "in_service >= 2 years"),
    (16, _D, 2, MEDICATION_YEAR, F_MED_YEAR),
    (16, _D, 3, "Scores 0-1 on MHCT V1 item 6 (Hallucinations and Delusions)", "scale 6 in 0..1"),
    (16, _D, 4, NO_IHT_YEAR, F_NO_IHT),
    (16, _D, 5, "Any residual risks can be managed by primary care", F_RISKS),
    (16, _D, 6, "Scores 0-1 on MHCT V1 item 12 (Occupation and Activities).", "scale 12 in 0..1"),
    (16, _D, 7, INCLUSION, F_INCL),
    (16, _D, 8, "Scores 0-1 MHCT V1 item D (Engagement).", "scale D in 0..1"),
    (16, _N, 1, FITTED_DOWN_12M, F_DOWN_12M),
    (16, _N, 2, NO_IHT_YEAR, F_NO_IHT),
    (16, _N, 3, "Scores 0-1 MHCT V1 item D (Engagement).", "scale D in 0..1"),
    (16, _N, 4,
     "Level of support (frequency of visits etc.) has been reduced to a level that can be "
     "provided by a less intensive care package for the past 6 months.",
     "fact support_reduced_6_months"),
    (16, _N, 5,
     "MHCT V1 item 3 (Problem drinking or drug taking) has remained at a score of 2 or less for "
     "the past 12 months",
     "scale 3 remained <= 2 for 12 months"),
    # -- Cluster 17: Psychosis and Affective Disorder Difficult to Engage --------------------------
    (17, _S, 1, "Patient fits profile for clusters 14 or 15.", "fits cluster 14, 15"),
    (17, _S, 2,
     "Patient scores above 2 on Problem drinking or drug taking item and this results in an "
     "inability to deliver the care typically provided to cluster 17 patients without a "
     "significant increase in resources.",
     "all { scale 3 > 2  fact substance_use_prevents_usual_care }"),
    (17, _D, 1, TWO_YEARS, "in_service >= 2 years"),
    (17, _D, 2, MEDICATION_YEAR, F_MED_YEAR),
    (17, _D, 3, "Scores 0-1 on MHCT V1 item 6 (Hallucinations and Delusions)", "scale 6 in 0..1"),
    (17, _D, 4, NO_IHT_YEAR, F_NO_IHT),
    (17, _D, 5, "Any residual risks can be managed by primary care", F_RISKS),
    (17, _D, 6, "Scores 0-1 on MHCT V1 item 12 (Occupation and Activities).", "scale 12 in 0..1"),
    (17, _D, 7, INCLUSION, F_INCL),
    (17, _D, 8, "Scores 0-1 MHCT V1 item D (Engagement)", "scale D in 0..1"),
    (17, _N, 1, FITTED_DOWN_12M, F_DOWN_12M),
    (17, _N, 2, NO_IHT_YEAR, F_NO_IHT),
    (17, _N, 3, "Scores 0-1 MHCT V1 item D (Engagement).", "scale D in 0..1"),
    (17, _N, 4,
     "Level of support (frequency of visits etc.) has been reduced to a level that can be "
     "provided by a less intensive care package for the past 6 months.",
     "fact support_reduced_6_months"),
    # -- Cluster 18: Cognitive impairment (low need) -----------------------------------------------
    (18, _S, 1, STEP_UP, F_UP),
    (18, _D, 1, "Stable rating on MHCT item 4 (Cognitive problems) for the past year",
     "scale 4 stable for 12 months"),
    (18, _D, 2, "Stable dose of any prescribed ACHEIs for the past 6 months",
     "fact achei_dose_stable_6_months"),
    (18, _D, 3, "Level of social inclusion meets Service User’s expectation", F_INCL),
    (18, _D, 4, "Any residual risks can be managed by primary care", F_RISKS),
    (18, _N, 1, "Organic causes of memory problems have been excluded.",
     "fact organic_causes_excluded"),
    (18, _N, 2, STEP_DOWN, F_DOWN),
    # -- Cluster 19: Cognitive impairment or Dementia Complicated (Moderate need) ------------------
    (19, _S, 1,
     "Service User fits description and scoring profile of any likely/ possible step up cluster",
     F_UP),
    (19, _D, 1, "Stable rating on MHCT item 4 (Cognitive problems) for the past year",
     "scale 4 stable for 12 months"),
    (19, _D, 2, "Stable dose of any prescribed ACHEIs for the past 6 months",
     "fact achei_dose_stable_6_months"),
    (19, _D, 3, NO_IHT_12M, F_NO_IHT),
    (19, _D, 4, "Level of social inclusion meets Service User’s expectation", F_INCL),
    (19, _D, 5,
     "Any residual risks (including any comorbidities) can be managed by primary care",
     F_RISKS_COMORBID),
    # -- Cluster 20: Cognitive impairment or Dementia Complicated (High need) ----------------------
    # (sic: "of and likely/ possible" is the booklet's own wording)
    (20, _S, 1,
     "Service User fits description and scoring profile of and likely/ possible step up cluster.",
     F_UP),
    (20, _D, 1, "Stable rating on MHCT item 4 (Cognitive problems) for the past 12 months",
     "scale 4 stable for 12 months"),
    (20, _D, 2, "Stable dose of any prescribed ACHEIs for the past 12 months",
     "fact achei_dose_stable_12_months"),
    (20, _D, 3, NO_IHT_12M, F_NO_IHT),
    (20, _D, 4, "Level of social inclusion meets Service Users and carers expectation", F_INCL),
    (20, _D, 5,
     "Any residual risks (including any comorbidities) can be managed by primary care with / "
     "without other partnerships",
     F_RISKS_COMORBID),
    (20, _D, 6, ONE_YEAR, "in_service >= 1 year"),
    (20, _N, 1, STEP_DOWN, F_DOWN),
    (20, _N, 2, "Improvement is likely to be sustained until the next planned review",
     F_SUSTAINED),
    # -- Cluster 21: Cognitive impairment or Dementia (High physical or engagement needs) ----------
    (21, _D, 1, NO_IHT_12M, F_NO_IHT),
    (21, _D, 2, "Level of social inclusion meets Service Users and carers expectation", F_INCL),
    (21, _D, 3,
     "Any residual risks (including any comorbidities with the use of the Principles of "
     "Palliative Care Approach / Specialist Palliative care) can be managed by primary care with "
     "/ without other partnerships",
     F_RISKS_COMORBID),
    (21, _D, 4, ONE_YEAR, "in_service >= 1 year"),
    (21, _N, 1, STEP_DOWN, F_DOWN),
    (21, _N, 2, "Improvement is likely to be sustained until the next planned review",
     F_SUSTAINED),
]

# ---------------------------------------------------------------------------------------------
# 4. Transition diagrams
# ---------------------------------------------------------------------------------------------


def _r(low: int, high: int) -> set[int]:
    return set(range(low, high + 1))


#: cluster -> the boxes of its diagram, each the set of clusters one "Cluster(s): ..." line lists
#: (the "Current Cluster N" label is not a box). Cluster 0 has no diagram; cluster 9's diagram has
#: no boxes. Typed as printed, including the booklet's slips: cluster 1's diagram lists cluster 1
#: itself in "Clusters:1, 7, 11-17 & 19-21", and "1-17" / "1-18" include the blank cluster 9.
DIAGRAMS: dict[int, list[set[int]]] = {
    1: [{1, 7} | _r(11, 17) | _r(19, 21), _r(2, 6) | {8, 10, 18}],
    2: [{1, 7} | _r(11, 17) | _r(19, 21), _r(3, 6) | {8, 10, 18}, {2}],
    3: [{2}, {3}, {1, 7} | _r(11, 17) | _r(18, 21), _r(4, 6) | {8, 10}],
    4: [_r(5, 6) | {8, 10}, {4}, {3, 7}, _r(1, 2) | _r(11, 17) | _r(18, 21)],
    5: [{6, 8, 10} | _r(14, 15), {5}, {7}, _r(1, 4) | _r(11, 13) | _r(16, 17) | _r(18, 21)],
    6: [{8, 10} | _r(14, 15), {6}, {7}, _r(1, 5) | _r(11, 13) | _r(16, 17) | _r(18, 21)],
    7: [{8, 10}, {7}, _r(1, 6) | _r(11, 17) | _r(18, 21)],
    8: [{10, 16}, {8}, {6, 7} | _r(12, 13) | {17}, _r(1, 5) | {11} | _r(18, 21), {14, 15}],
    9: [],
    10: [{14, 15}, _r(1, 7) | _r(19, 21), _r(11, 13) | {16, 17, 18}, {10}, {8}],
    11: [_r(12, 17), _r(1, 8) | {10} | _r(19, 21), {11}, {18}],
    12: [{19}, {8} | _r(13, 17), {12}, _r(1, 7) | {10, 18, 20, 21}, {11}],
    13: [{8} | _r(14, 17), {13}, _r(1, 7) | {10, 18, 20, 21}, {11, 12, 19}],
    14: [{15}, {14}, _r(3, 6) | {8, 10} | _r(12, 13) | _r(16, 19), {1, 2, 7, 11, 20, 21}],
    15: [{14}, {15}, _r(3, 8) | {10} | _r(12, 13) | _r(16, 19), {1, 2, 11, 20, 21}],
    16: [{16}, {8}, {14, 15}, _r(11, 13) | {17, 19}, _r(1, 7) | {10, 18, 20, 21}],
    17: [{8} | _r(14, 16), {17}, _r(11, 13) | {19}, _r(1, 7) | {10, 18, 20, 21}],
    18: [{18}, _r(1, 17), _r(19, 21)],
    19: [_r(1, 18), {19}, {20, 21}],
    20: [_r(1, 18), {19}, {20}, {21}],
    21: [{21}, {19, 20}, _r(1, 18)],
}
