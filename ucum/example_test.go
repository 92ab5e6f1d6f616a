package ucum_test

import (
	"errors"
	"fmt"

	"github.com/trialscout/trialscout/ucum"
)

func ExampleConvert() {
	anc, _ := ucum.Convert(1500, "/uL", "10*9/L", 0)
	plt, _ := ucum.Convert(250, "x10E3/uL", "10*9/L", 0)
	hb, _ := ucum.Convert(5, "mmol/L", "g/L", 16114)
	creat, _ := ucum.Convert(88.42, "umol/L", "mg/dL", 113.12)
	weight, _ := ucum.Convert(154, "lbs", "kg", 0)
	fmt.Printf("ANC %.1f 10*9/L\n", anc)
	fmt.Printf("PLT %.0f 10*9/L\n", plt)
	fmt.Printf("Hb %.1f g/L\n", hb)
	fmt.Printf("creatinine %.2f mg/dL\n", creat)
	fmt.Printf("weight %.1f kg\n", weight)

	_, err := ucum.Convert(1, "g/L", "s", 0)
	fmt.Println(err, errors.Is(err, ucum.ErrIncompatible))
	_, err = ucum.Convert(1, "mg/dl/x", "mg/dL", 0)
	fmt.Println(err, errors.Is(err, ucum.ErrUnknownUnit))
	// Output:
	// ANC 1.5 10*9/L
	// PLT 250 10*9/L
	// Hb 80.6 g/L
	// creatinine 1.00 mg/dL
	// weight 69.9 kg
	// cannot convert "g/L" to "s" true
	// unit "mg/dl/x": unknown atom "x" true
}

func ExampleNormalize() {
	for _, u := range []string{"mg/dl", "x10E3/uL", "/mm³", "IU/L", "lbs", "percent"} {
		fmt.Printf("%s -> %s\n", u, ucum.Normalize(u))
	}
	// Output:
	// mg/dl -> mg/dL
	// x10E3/uL -> 10*3/uL
	// /mm³ -> /mm3
	// IU/L -> [IU]/L
	// lbs -> [lb_av]
	// percent -> %
}

func ExampleDimensionless() {
	fmt.Println(ucum.Dimensionless("{INR}"), ucum.Dimensionless("%"), ucum.Dimensionless("g/L"))
	// Output: true true false
}
