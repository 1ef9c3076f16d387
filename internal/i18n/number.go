package i18n

import (
	"regexp"
	"strings"
)

// decimalPoint is a decimal point between two digits.
var decimalPoint = regexp.MustCompile(`(\d)\.(\d)`)

// Decimal is s, numbers printed by Go ("2.5 min", "85.4 %"), with sep as
// their decimal separator: "2,5 min" for ",". A point not between two
// digits (the end of a sentence) stays; an empty sep or "." changes
// nothing.
func Decimal(s, sep string) string {
	if sep == "" || sep == "." {
		return s
	}
	return decimalPoint.ReplaceAllString(s, "${1}"+strings.ReplaceAll(sep, "$", "$$")+"${2}")
}
