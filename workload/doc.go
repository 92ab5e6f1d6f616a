// Package workload generates a deterministic stream of FHIR R4 resources
// that looks like a hospital feed, for load tests, benchmarks and
// fault-injection suites.
//
// It owns the synthetic population and how its data arrives: who the
// patients are (ids "wl-000123", sex, birth date), what their records hold
// (vital signs and laboratory panels with real LOINC codes, UCUM units and
// plausible values; problem lists and episodes in SNOMED CT and ICD-10-CM;
// drugs by RxNorm ingredient with doses; CVX vaccinations, procedures,
// allergies, encounters), and the order and versions in which a feed sends
// them. About one patient in seven has SLE, with stories written so
// that the SLE trial (sle-refractory) finds candidate, incomplete and
// ineligible patients among them; a few patients have long histories.
// Which resources are relevant (Resource.Relevant) follows every shipped
// trial: the heart-failure trial also reads blood pressure, height, BMI,
// potassium and HbA1c.
//
// By count the stream is about 70% Observations (many of them tests no
// trial reads), 14% Conditions, 10% MedicationStatements and
// MedicationRequests, and 6% other resources (Patient, Immunization,
// Procedure, AllergyIntolerance, and ambulatory Encounters, which no trial
// reads).
// Dates spread over the two years before AsOf (five for long histories),
// and most patients have results from the last four weeks.
// About 2% of resources are sent again later with a higher meta.versionId:
// a corrected value, a retraction (entered-in-error) or the same content.
//
// Output depends only on the Config: every patient draws from its own PCG
// source seeded from Config.Seed and its index, and the interleaving from
// another. The package does no I/O beyond WriteNDJSON and reads no clock.
package workload
