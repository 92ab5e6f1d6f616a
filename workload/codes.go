package workload

// The code tables behind every generated resource. Codes a shipped trial
// (config/trials/*.yaml) reads are marked relevant; every
// LOINC code passes the LOINC check digit and every SNOMED CT id its
// Verhoeff check digit (codes_test.go). Sources: the trial file and
// ../shared/protocol/CODES.md for relevant codes; Synthea and the HL7 R4
// examples in ../shared/fhir-samples for the everyday ones.

const (
	loinc      = "http://loinc.org"
	snomed     = "http://snomed.info/sct"
	icd10cm    = "http://hl7.org/fhir/sid/icd-10-cm"
	rxnorm     = "http://www.nlm.nih.gov/research/umls/rxnorm"
	cvx        = "http://hl7.org/fhir/sid/cvx"
	ucum       = "http://unitsofmeasure.org"
	activity   = "https://trialscout.dev/fhir/CodeSystem/disease-activity"
	obsCat     = "http://terminology.hl7.org/CodeSystem/observation-category"
	interpSys  = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
	condClin   = "http://terminology.hl7.org/CodeSystem/condition-clinical"
	condVer    = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
	condCat    = "http://terminology.hl7.org/CodeSystem/condition-category"
	allergyCl  = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
	allergyVer = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
	actCode    = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
	drugForm   = "http://terminology.hl7.org/CodeSystem/v3-orderableDrugForm"
	mrnSystem  = "urn:oid:2.16.840.1.113883.19.5"
)

// Observation categories.
const (
	catVital   = "vital-signs"
	catLab     = "laboratory"
	catImaging = "imaging"
	catSurvey  = "survey"
)

// labSpec is one quantitative test or measurement: its code, unit,
// reference range and the distribution of values in an ordinary patient.
type labSpec struct {
	code, display string
	category      string
	unit, text    string  // UCUM code and the unit as printed
	low, high     float64 // reference range; 0 leaves that bound out
	mean, sd      float64
	min, max      float64
	dec           int // decimals of a value
	relevant      bool
}

// Vital signs.
var (
	heartRate   = &labSpec{"8867-4", "Heart rate", catVital, "/min", "beats/minute", 0, 0, 76, 11, 45, 140, 0, false}
	respRate    = &labSpec{"9279-1", "Respiratory rate", catVital, "/min", "breaths/minute", 0, 0, 16, 2, 10, 30, 0, false}
	temperature = &labSpec{"8310-5", "Body temperature", catVital, "Cel", "C", 0, 0, 36.8, 0.3, 35.8, 39.6, 1, false}
	spo2        = &labSpec{"59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry", catVital, "%", "%", 0, 0, 97.4, 1.3, 89, 100, 0, true}
	bodyWeight  = &labSpec{"29463-7", "Body weight", catVital, "kg", "kg", 0, 0, 0, 0, 30, 250, 1, true}
	bodyHeight  = &labSpec{"8302-2", "Body height", catVital, "cm", "cm", 0, 0, 0, 0, 130, 210, 1, true}
	bmi         = &labSpec{"39156-5", "Body mass index (BMI) [Ratio]", catVital, "kg/m2", "kg/m2", 0, 0, 0, 0, 12, 70, 1, true}
	painScore   = &labSpec{"72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported", catSurvey, "{score}", "{score}", 0, 0, 2, 2.5, 0, 10, 0, false}
	systolic    = &labSpec{"8480-6", "Systolic blood pressure", catVital, "mm[Hg]", "mmHg", 0, 0, 126, 16, 85, 210, 0, true}
	diastolic   = &labSpec{"8462-4", "Diastolic blood pressure", catVital, "mm[Hg]", "mmHg", 0, 0, 78, 10, 45, 125, 0, false}
)

// bpPanel is the blood pressure panel; its values are in components.
const bpPanelCode, bpPanelDisplay = "85354-9", "Blood pressure panel with all children optional"

// Laboratory tests. Hemoglobin has a range per sex.
var (
	wbc        = &labSpec{"6690-2", "Leukocytes [#/volume] in Blood by Automated count", catLab, "10*3/uL", "10*3/uL", 4.0, 11.0, 7.0, 2.0, 1.5, 22, 1, false}
	hbFemale   = &labSpec{"718-7", "Hemoglobin [Mass/volume] in Blood", catLab, "g/dL", "g/dL", 12.0, 16.0, 13.4, 1.2, 6.5, 18, 1, true}
	hbMale     = &labSpec{"718-7", "Hemoglobin [Mass/volume] in Blood", catLab, "g/dL", "g/dL", 13.5, 17.5, 15.0, 1.2, 7.0, 19.5, 1, true}
	hematocrit = &labSpec{"4544-3", "Hematocrit [Volume Fraction] of Blood by Automated count", catLab, "%", "%", 36, 50, 42, 4, 22, 58, 1, false}
	platelets  = &labSpec{"777-3", "Platelets [#/volume] in Blood by Automated count", catLab, "10*3/uL", "10*3/uL", 150, 400, 255, 60, 35, 650, 0, true}
	anc        = &labSpec{"751-8", "Neutrophils [#/volume] in Blood by Automated count", catLab, "10*3/uL", "10*3/uL", 1.8, 7.7, 4.3, 1.4, 0.6, 16, 1, true}
	alc        = &labSpec{"731-0", "Lymphocytes [#/volume] in Blood by Automated count", catLab, "10*3/uL", "10*3/uL", 1.0, 4.8, 2.1, 0.6, 0.4, 6, 1, true}
	glucose    = &labSpec{"2345-7", "Glucose [Mass/volume] in Serum or Plasma", catLab, "mg/dL", "mg/dL", 70, 99, 102, 22, 55, 380, 0, false}
	sodium     = &labSpec{"2951-2", "Sodium [Moles/volume] in Serum or Plasma", catLab, "mmol/L", "mmol/L", 136, 145, 140, 2.5, 126, 152, 0, false}
	potassium  = &labSpec{"2823-3", "Potassium [Moles/volume] in Serum or Plasma", catLab, "mmol/L", "mmol/L", 3.5, 5.1, 4.2, 0.4, 2.9, 6.2, 1, true}
	chloride   = &labSpec{"2075-0", "Chloride [Moles/volume] in Serum or Plasma", catLab, "mmol/L", "mmol/L", 98, 107, 103, 3, 90, 115, 0, false}
	bicarb     = &labSpec{"2028-9", "Carbon dioxide, total [Moles/volume] in Serum or Plasma", catLab, "mmol/L", "mmol/L", 22, 29, 25, 2.5, 16, 34, 0, false}
	urea       = &labSpec{"3094-0", "Urea nitrogen [Mass/volume] in Serum or Plasma", catLab, "mg/dL", "mg/dL", 7, 20, 15, 5, 4, 60, 0, false}
	creatinine = &labSpec{"2160-0", "Creatinine [Mass/volume] in Serum or Plasma", catLab, "mg/dL", "mg/dL", 0.6, 1.2, 0.92, 0.22, 0.4, 4.5, 2, true}
	calcium    = &labSpec{"17861-6", "Calcium [Mass/volume] in Serum or Plasma", catLab, "mg/dL", "mg/dL", 8.6, 10.3, 9.4, 0.4, 7.6, 11.2, 1, false}
	alt        = &labSpec{"1742-6", "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma", catLab, "U/L", "U/L", 7, 40, 24, 10, 5, 320, 0, true}
	ast        = &labSpec{"1920-8", "Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma", catLab, "U/L", "U/L", 10, 40, 25, 8, 8, 280, 0, true}
	bilirubin  = &labSpec{"1975-2", "Bilirubin.total [Mass/volume] in Serum or Plasma", catLab, "mg/dL", "mg/dL", 0.1, 1.2, 0.6, 0.25, 0.1, 4.5, 1, true}
	alkPhos    = &labSpec{"6768-6", "Alkaline phosphatase [Enzymatic activity/volume] in Serum or Plasma", catLab, "U/L", "U/L", 44, 147, 82, 25, 30, 400, 0, false}
	albumin    = &labSpec{"1751-7", "Albumin [Mass/volume] in Serum or Plasma", catLab, "g/dL", "g/dL", 3.5, 5.0, 4.2, 0.35, 2.4, 5.4, 1, false}
	cholTotal  = &labSpec{"2093-3", "Cholesterol [Mass/volume] in Serum or Plasma", catLab, "mg/dL", "mg/dL", 0, 200, 190, 38, 100, 340, 0, false}
	cholHDL    = &labSpec{"2085-9", "Cholesterol in HDL [Mass/volume] in Serum or Plasma", catLab, "mg/dL", "mg/dL", 40, 0, 52, 14, 20, 110, 0, false}
	cholLDL    = &labSpec{"13457-7", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by calculation", catLab, "mg/dL", "mg/dL", 0, 100, 112, 33, 30, 250, 0, false}
	trigly     = &labSpec{"2571-8", "Triglyceride [Mass/volume] in Serum or Plasma", catLab, "mg/dL", "mg/dL", 0, 150, 135, 60, 40, 600, 0, false}
	hba1c      = &labSpec{"4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", catLab, "%", "%", 4.0, 5.6, 5.7, 0.8, 4.2, 12.5, 1, true}
	tsh        = &labSpec{"3016-3", "Thyrotropin [Units/volume] in Serum or Plasma", catLab, "m[IU]/L", "mIU/L", 0.4, 4.0, 1.9, 0.9, 0.05, 12, 2, false}
	inr        = &labSpec{"6301-6", "INR in Platelet poor plasma by Coagulation assay", catLab, "{INR}", "INR", 0.8, 1.2, 1.0, 0.08, 0.8, 4.5, 1, true}
	aptt       = &labSpec{"14979-9", "aPTT in Platelet poor plasma by Coagulation assay", catLab, "s", "s", 25, 38, 31, 3, 22, 80, 0, true}
	dsDNA      = &labSpec{"5130-0", "DNA double strand Ab [Units/volume] in Serum", catLab, "[IU]/mL", "IU/mL", 0, 30, 12, 6, 1, 400, 0, true}
	c3         = &labSpec{"4485-9", "Complement C3 [Mass/volume] in Serum or Plasma", catLab, "mg/dL", "mg/dL", 90, 180, 120, 20, 30, 220, 0, true}
	c4         = &labSpec{"4498-2", "Complement C4 [Mass/volume] in Serum or Plasma", catLab, "mg/dL", "mg/dL", 10, 40, 24, 7, 3, 60, 0, true}
	lvef       = &labSpec{"10230-1", "Left ventricular Ejection fraction", catImaging, "%", "%", 0, 0, 62, 5, 15, 80, 0, true}
)

// panel is a set of tests ordered together, with how often an ordinary
// visit orders it.
type panel struct {
	specs []*labSpec // a nil entry is hemoglobin, with the range of the patient's sex
	p     float64
}

var labPanels = []panel{
	{[]*labSpec{wbc, nil, hematocrit, platelets, anc, alc}, 0.3},
	{[]*labSpec{glucose, sodium, potassium, chloride, bicarb, urea, creatinine, calcium}, 0.4},
	{[]*labSpec{alt, ast, bilirubin, alkPhos, albumin}, 0.15},
	{[]*labSpec{cholTotal, cholHDL, cholLDL, trigly}, 0.2},
	{[]*labSpec{hba1c}, 0.15},
	{[]*labSpec{tsh}, 0.1},
	{[]*labSpec{inr, aptt}, 0.04},
}

// qualSpec is a qualitative test: a code and its display.
type qualSpec struct{ code, display string }

// Qualitative tests the trial reads.
var (
	anaTest   = qualSpec{"8061-4", "Nuclear Ab [Presence] in Serum"}
	hcgTest   = qualSpec{"2118-8", "Choriogonadotropin (pregnancy test) [Presence] in Serum or Plasma"}
	hbsagTest = qualSpec{"5196-1", "Hepatitis B virus surface Ag [Presence] in Serum or Plasma by Immunoassay"}
	hbcabTest = qualSpec{"16933-4", "Hepatitis B virus core Ab [Presence] in Serum"}
	hbvDNA    = qualSpec{"29615-2", "Hepatitis B virus DNA [#/volume] (viral load) in Serum or Plasma by NAA with probe detection"}
	hcvabTest = qualSpec{"16128-1", "Hepatitis C virus Ab [Presence] in Serum"}
	hivTest   = qualSpec{"56888-1", "HIV 1+2 Ab+HIV1 p24 Ag [Presence] in Serum or Plasma by Immunoassay"}
	cmvDNA    = qualSpec{"72493-0", "Cytomegalovirus DNA [Units/volume] (viral load) in Serum or Plasma by NAA with probe detection"}
	rprTest   = qualSpec{"20507-0", "Reagin Ab [Presence] in Serum by RPR"}
)

// Coded answers (SNOMED CT qualifier values) and their interpretation flag.
var (
	ansPositive    = answer{coding{snomed, "10828004", "Positive (qualifier value)"}, "Positive", "POS"}
	ansNegative    = answer{coding{snomed, "260385009", "Negative (qualifier value)"}, "Negative", "NEG"}
	ansDetected    = answer{coding{snomed, "260373001", "Detected (qualifier value)"}, "Detected", "DET"}
	ansNotDetected = answer{coding{snomed, "260415000", "Not detected (qualifier value)"}, "Not detected", "ND"}
	ansNonReactive = answer{coding{snomed, "131194007", "Non-reactive (qualifier value)"}, "Non-reactive", "NEG"}
)

type answer struct {
	coding coding
	text   string
	flag   string // v3-ObservationInterpretation code
}

// SLEDAI-2K has no standard code: the trial's own system.
var (
	sledaiTotal      = coding{activity, "sledai-2k", "SLEDAI-2K total score"}
	sledaiComplement = coding{activity, "sledai-2k-low-complement", "SLEDAI-2K low complement"}
	sledaiDNA        = coding{activity, "sledai-2k-dsdna", "SLEDAI-2K increased DNA binding"}
)
