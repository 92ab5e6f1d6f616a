package workload

// The clinical catalogue: diagnoses, drugs, vaccines, procedures and
// allergies, with how common each is and whether the shipped trial reads
// its code. Relevant entries use the codes the trial file names (RxNorm
// ingredients, CVX, SNOMED CT, ICD-10-CM); everyday ones use RxNorm
// ingredients and SNOMED CT codes seen in Synthea's output.

// condSpec is a diagnosis: SNOMED CT with an ICD-10-CM coding beside it.
type condSpec struct {
	snomed, display string
	icd, icdDisplay string // empty: SNOMED CT only
	// days an episode lasts before it resolves; 0 for a chronic condition.
	days     int
	weight   float64 // how common, relative to the others
	minAge   int
	sex      string // "female", "male" or "" for both
	relevant bool
	safe     bool     // cannot rule an SLE patient in or out
	meds     []string // keys of drugs treating it
}

// chronic reports whether the condition stays active.
func (c *condSpec) chronic() bool { return c.days == 0 }

var (
	sle = &condSpec{snomed: "55464009", display: "Systemic lupus erythematosus",
		icd: "M32.9", icdDisplay: "Systemic lupus erythematosus, unspecified", relevant: true}
	lupusNephritis = &condSpec{snomed: "68815009", display: "Systemic lupus erythematosus glomerulonephritis syndrome",
		icd: "M32.14", icdDisplay: "Glomerular disease in systemic lupus erythematosus", relevant: true}
	lupusUnspecified = &condSpec{snomed: "200936003", display: "Lupus erythematosus", relevant: true}
	pneumonia        = &condSpec{snomed: "233604007", display: "Pneumonia", icd: "J18.9",
		icdDisplay: "Pneumonia, unspecified organism", days: 21, weight: 3, relevant: true, meds: []string{"amoxicillin"}}
	myocardialInf = &condSpec{snomed: "22298006", display: "Myocardial infarction", icd: "I21.9",
		icdDisplay: "Acute myocardial infarction, unspecified", days: 28, weight: 1.5, minAge: 40, relevant: true, meds: []string{"atorvastatin", "metoprolol"}}
	atrialFib = &condSpec{snomed: "49436004", display: "Atrial fibrillation", icd: "I48.91",
		icdDisplay: "Unspecified atrial fibrillation", weight: 4, minAge: 50, relevant: true, meds: []string{"warfarin", "metoprolol"}}
)

// conditionPool holds the diagnoses drawn for a patient's problem list and
// episodes.
var conditionPool = []*condSpec{
	{snomed: "38341003", display: "Hypertensive disorder, systemic arterial", icd: "I10", icdDisplay: "Essential (primary) hypertension",
		weight: 30, minAge: 25, safe: true, meds: []string{"lisinopril", "amlodipine", "hydrochlorothiazide", "losartan"}},
	{snomed: "55822004", display: "Hyperlipidemia", icd: "E78.5", icdDisplay: "Hyperlipidemia, unspecified",
		weight: 24, minAge: 25, safe: true, meds: []string{"atorvastatin", "simvastatin"}},
	{snomed: "44054006", display: "Diabetes mellitus type 2", icd: "E11.9", icdDisplay: "Type 2 diabetes mellitus without complications",
		weight: 14, minAge: 25, safe: true, meds: []string{"metformin"}},
	{snomed: "414916001", display: "Obesity", icd: "E66.9", icdDisplay: "Obesity, unspecified", weight: 14, safe: true},
	{snomed: "15777000", display: "Prediabetes", icd: "R73.03", icdDisplay: "Prediabetes", weight: 8, minAge: 25, safe: true},
	{snomed: "235595009", display: "Gastroesophageal reflux disease", icd: "K21.9", icdDisplay: "Gastro-esophageal reflux disease without esophagitis",
		weight: 12, safe: true, meds: []string{"omeprazole"}},
	{snomed: "40930008", display: "Hypothyroidism", icd: "E03.9", icdDisplay: "Hypothyroidism, unspecified",
		weight: 8, safe: true, meds: []string{"levothyroxine"}},
	{snomed: "35489007", display: "Depressive disorder", icd: "F32.A", icdDisplay: "Depression, unspecified",
		weight: 10, safe: true, meds: []string{"sertraline"}},
	{snomed: "21897009", display: "Generalized anxiety disorder", icd: "F41.1", icdDisplay: "Generalized anxiety disorder",
		weight: 7, safe: true, meds: []string{"sertraline"}},
	{snomed: "239873007", display: "Osteoarthritis of knee", icd: "M17.9", icdDisplay: "Osteoarthritis of knee, unspecified",
		weight: 8, minAge: 40, safe: true, meds: []string{"acetaminophen", "naproxen"}},
	{snomed: "13645005", display: "Chronic obstructive lung disease", icd: "J44.9", icdDisplay: "Chronic obstructive pulmonary disease, unspecified",
		weight: 5, minAge: 40, safe: true, meds: []string{"albuterol"}},
	{snomed: "37796009", display: "Migraine", icd: "G43.909", icdDisplay: "Migraine, unspecified, not intractable, without status migrainosus",
		weight: 5, safe: true, meds: []string{"ibuprofen", "acetaminophen"}},
	{snomed: "64859006", display: "Osteoporosis", icd: "M81.0", icdDisplay: "Age-related osteoporosis without current pathological fracture",
		weight: 4, minAge: 50, sex: "female", safe: true},
	{snomed: "34713006", display: "Vitamin D deficiency", icd: "E55.9", icdDisplay: "Vitamin D deficiency, unspecified", weight: 6, safe: true},
	{snomed: "271737000", display: "Anemia", icd: "D64.9", icdDisplay: "Anemia, unspecified", weight: 5, safe: true},
	{snomed: "201436003", display: "Drug-induced systemic lupus erythematosus", icd: "M32.0",
		icdDisplay: "Drug-induced systemic lupus erythematosus", weight: 0.2},
	// Episodes that resolve.
	{snomed: "444814009", display: "Viral sinusitis", icd: "J01.90", icdDisplay: "Acute sinusitis, unspecified",
		days: 14, weight: 18, safe: true, meds: []string{"acetaminophen"}},
	{snomed: "10509002", display: "Acute bronchitis", icd: "J20.9", icdDisplay: "Acute bronchitis, unspecified",
		days: 18, weight: 10, safe: true, meds: []string{"acetaminophen"}},
	{snomed: "195662009", display: "Acute viral pharyngitis", icd: "J02.9", icdDisplay: "Acute pharyngitis, unspecified",
		days: 10, weight: 10, safe: true},
	{snomed: "44465007", display: "Sprain of ankle", icd: "S93.401A", icdDisplay: "Sprain of unspecified ligament of right ankle, initial encounter",
		days: 21, weight: 4, safe: true, meds: []string{"ibuprofen"}},
	// Diagnoses the trial reads.
	{snomed: "195967001", display: "Asthma", icd: "J45.909", icdDisplay: "Unspecified asthma, uncomplicated",
		weight: 7, relevant: true, meds: []string{"albuterol", "prednisone-burst"}},
	atrialFib,
	{snomed: "128302006", display: "Chronic hepatitis C", icd: "B18.2", icdDisplay: "Chronic viral hepatitis C", weight: 1, minAge: 25, relevant: true},
	{snomed: "86406008", display: "Human immunodeficiency virus infection", icd: "B20", icdDisplay: "Human immunodeficiency virus [HIV] disease",
		weight: 1, minAge: 18, relevant: true},
	{snomed: "76498008", display: "Postmenopausal state", icd: "Z78.0", icdDisplay: "Asymptomatic menopausal state",
		weight: 6, minAge: 50, sex: "female", relevant: true},
	{snomed: "161665007", display: "History of renal transplant", icd: "Z94.0", icdDisplay: "Kidney transplant status",
		weight: 0.6, minAge: 18, relevant: true, meds: []string{"tacrolimus", "mycophenolate"}},
	lupusUnspecified,
	{snomed: "77386006", display: "Pregnant", icd: "Z33.1", icdDisplay: "Pregnant state, incidental",
		days: 270, weight: 3, minAge: 18, sex: "female", relevant: true},
	pneumonia,
	{snomed: "840539006", display: "Disease caused by severe acute respiratory syndrome coronavirus 2", icd: "U07.1", icdDisplay: "COVID-19",
		days: 14, weight: 4, relevant: true, meds: []string{"acetaminophen"}},
	{snomed: "4740000", display: "Herpes zoster", icd: "B02.9", icdDisplay: "Zoster without complications",
		days: 21, weight: 2, minAge: 30, relevant: true},
	myocardialInf,
	{snomed: "39579001", display: "Anaphylaxis", icd: "T78.2XXA", icdDisplay: "Anaphylactic shock, unspecified, initial encounter",
		days: 2, weight: 0.5, relevant: true},
}

// medSpec is a drug as it is prescribed: RxNorm ingredient code, the
// product's name, and the dose.
type medSpec struct {
	code, name string // RxNorm ingredient
	product    string // what the prescriber picked: "lisinopril 10 MG Oral Tablet"
	dose       float64
	unit       string // UCUM code of the dose
	perDay     float64
	route      string // "oral", "inhaled", "iv"
	days       int    // a course's length; 0 for an ongoing drug
	relevant   bool
}

// meds are the drugs by key.
var meds = map[string]*medSpec{
	"lisinopril":          {code: "29046", name: "lisinopril", product: "lisinopril 10 MG Oral Tablet", dose: 10, unit: "mg", perDay: 1, route: "oral"},
	"amlodipine":          {code: "17767", name: "amlodipine", product: "amlodipine 5 MG Oral Tablet", dose: 5, unit: "mg", perDay: 1, route: "oral"},
	"hydrochlorothiazide": {code: "5487", name: "hydrochlorothiazide", product: "hydrochlorothiazide 25 MG Oral Tablet", dose: 25, unit: "mg", perDay: 1, route: "oral"},
	"losartan":            {code: "52175", name: "losartan", product: "losartan potassium 50 MG Oral Tablet", dose: 50, unit: "mg", perDay: 1, route: "oral"},
	"atorvastatin":        {code: "83367", name: "atorvastatin", product: "atorvastatin 20 MG Oral Tablet", dose: 20, unit: "mg", perDay: 1, route: "oral"},
	"simvastatin":         {code: "36567", name: "simvastatin", product: "simvastatin 20 MG Oral Tablet", dose: 20, unit: "mg", perDay: 1, route: "oral"},
	"metformin":           {code: "6809", name: "metformin", product: "metformin hydrochloride 500 MG Oral Tablet", dose: 500, unit: "mg", perDay: 2, route: "oral"},
	"omeprazole":          {code: "7646", name: "omeprazole", product: "omeprazole 20 MG Delayed Release Oral Capsule", dose: 20, unit: "mg", perDay: 1, route: "oral"},
	"levothyroxine":       {code: "10582", name: "levothyroxine", product: "levothyroxine sodium 0.05 MG Oral Tablet", dose: 50, unit: "ug", perDay: 1, route: "oral"},
	"sertraline":          {code: "36437", name: "sertraline", product: "sertraline 50 MG Oral Tablet", dose: 50, unit: "mg", perDay: 1, route: "oral"},
	"acetaminophen":       {code: "161", name: "acetaminophen", product: "acetaminophen 500 MG Oral Tablet", dose: 500, unit: "mg", perDay: 3, route: "oral", days: 10},
	"albuterol":           {code: "435", name: "albuterol", product: "albuterol 0.09 MG/ACTUAT Metered Dose Inhaler", dose: 2, unit: "{puff}", perDay: 4, route: "inhaled"},
	"warfarin":            {code: "11289", name: "warfarin", product: "warfarin sodium 5 MG Oral Tablet", dose: 5, unit: "mg", perDay: 1, route: "oral"},
	"metoprolol":          {code: "6918", name: "metoprolol", product: "metoprolol succinate 50 MG Extended Release Oral Tablet", dose: 50, unit: "mg", perDay: 1, route: "oral"},
	"amoxicillin":         {code: "723", name: "amoxicillin", product: "amoxicillin 500 MG Oral Capsule", dose: 500, unit: "mg", perDay: 3, route: "oral", days: 7},
	// Drugs the trial reads.
	"ibuprofen":          {code: "5640", name: "ibuprofen", product: "ibuprofen 400 MG Oral Tablet", dose: 400, unit: "mg", perDay: 3, route: "oral", days: 10, relevant: true},
	"naproxen":           {code: "7258", name: "naproxen", product: "naproxen 500 MG Oral Tablet", dose: 500, unit: "mg", perDay: 2, route: "oral", relevant: true},
	"prednisone-burst":   {code: "8640", name: "prednisone", product: "prednisone 20 MG Oral Tablet", dose: 40, unit: "mg", perDay: 1, route: "oral", days: 5, relevant: true},
	"tacrolimus":         {code: "42316", name: "tacrolimus", product: "tacrolimus 1 MG Oral Capsule", dose: 3, unit: "mg", perDay: 2, route: "oral", relevant: true},
	"mycophenolate":      {code: "68149", name: "mycophenolate mofetil", product: "mycophenolate mofetil 500 MG Oral Tablet", dose: 1000, unit: "mg", perDay: 2, route: "oral", relevant: true},
	"hydroxychloroquine": {code: "5521", name: "hydroxychloroquine", product: "hydroxychloroquine sulfate 200 MG Oral Tablet", dose: 200, unit: "mg", perDay: 2, route: "oral", relevant: true},
	"prednisone":         {code: "8640", name: "prednisone", product: "prednisone 5 MG Oral Tablet", dose: 10, unit: "mg", perDay: 1, route: "oral", relevant: true},
	"azathioprine":       {code: "1256", name: "azathioprine", product: "azathioprine 50 MG Oral Tablet", dose: 100, unit: "mg", perDay: 1, route: "oral", relevant: true},
	"methotrexate":       {code: "6851", name: "methotrexate", product: "methotrexate 2.5 MG Oral Tablet", dose: 15, unit: "mg", perDay: 1.0 / 7, route: "oral", relevant: true},
	"belimumab":          {code: "1092437", name: "belimumab", product: "belimumab 120 MG Injection", dose: 600, unit: "mg", perDay: 1.0 / 28, route: "iv", relevant: true},
}

// fallbackMeds are drawn when a patient's conditions name no drug.
var fallbackMeds = []string{"acetaminophen", "omeprazole", "ibuprofen", "amoxicillin", "prednisone-burst", "atorvastatin", "lisinopril"}

// vaccineSpec is a CVX vaccine.
type vaccineSpec struct {
	code, display string
	weight        float64
	minAge        int
	relevant      bool // live, or mRNA-LNP
	live          bool
}

var vaccines = []vaccineSpec{
	{"140", "Influenza, seasonal, injectable, preservative free", 30, 0, false, false},
	{"150", "Influenza, injectable, quadrivalent, preservative free", 20, 0, false, false},
	{"113", "Td (adult) preservative free", 5, 0, false, false},
	{"115", "Tdap", 6, 0, false, false},
	{"133", "Pneumococcal conjugate PCV 13", 4, 60, false, false},
	{"33", "pneumococcal polysaccharide vaccine, 23 valent", 4, 60, false, false},
	{"43", "Hep B, adult", 3, 0, false, false},
	{"187", "zoster recombinant", 4, 50, false, false},
	{"208", "COVID-19, mRNA, LNP-S, PF, 30 mcg/0.3 mL dose", 10, 0, true, false},
	{"121", "zoster live", 0.8, 60, true, true},
	{"03", "MMR", 0.8, 0, true, true},
	{"37", "yellow fever live", 0.5, 0, true, true},
}

// procSpec is a SNOMED CT procedure.
type procSpec struct {
	code, display string
	weight        float64
	minAge        int
	sex           string
	relevant      bool
}

var procedures = []procSpec{
	{"73761001", "Colonoscopy", 8, 45, "", false},
	{"399208008", "Plain chest X-ray", 12, 0, "", false},
	{"127783003", "Spirometry", 5, 0, "", false},
	{"312681000", "Bone density scan", 4, 50, "female", false},
	{"40701008", "Echocardiography", 5, 30, "", false},
	{"171207006", "Depression screening", 10, 0, "", false},
	{"116863004", "Transfusion of red blood cells", 2, 0, "", true},
	{"236886002", "Hysterectomy", 1.5, 35, "female", true},
	{"287664005", "Ligation of bilateral fallopian tubes", 1.5, 25, "female", true},
	{"70536003", "Transplant of kidney", 0.3, 18, "", true},
}

// allergySpec is an allergy (every AllergyIntolerance is relevant: the
// trial reads its severity whatever the substance).
type allergySpec struct {
	code, display string // empty code: text only
	category      string
	weight        float64
}

var allergies = []allergySpec{
	{"91936005", "Allergy to penicillin", "medication", 10},
	{"91935009", "Allergy to peanuts", "food", 4},
	{"300913006", "Shellfish allergy", "food", 3},
	{"300916003", "Latex allergy", "environment", 2},
	{"424213003", "Allergy to bee venom", "environment", 2},
	{"418689008", "Allergy to grass pollen", "environment", 5},
	{"232347008", "Dander (animal) allergy", "environment", 4},
	{"", "Polyethylene glycol (PEG)", "medication", 0.6},
}

// Reaction manifestations.
var (
	rash        = coding{snomed, "271807003", "Eruption of skin"}
	urticaria   = coding{snomed, "247472004", "Wheal"}
	anaphylaxis = coding{snomed, "39579001", "Anaphylaxis"}
)

// encounterTypes are SNOMED CT encounter types.
var encounterTypes = []coding{
	{snomed, "185349003", "Encounter for check up"},
	{snomed, "185347001", "Encounter for problem"},
	{snomed, "390906007", "Follow-up encounter"},
}
