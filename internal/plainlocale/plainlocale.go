// Package plainlocale maps the POSIX "C" locale to plain English before any
// other package reads the environment.
//
// Debian containers and CI machines commonly run with LANG=C.UTF-8 (or
// LC_ALL=C). Fyne's lang package parses the locale in its init function, and
// "C" is not a BCP 47 tag, so every run — even headless `skyport serve` —
// would print three "Error parsing user locale C" lines on stderr. The C
// locale means "untranslated", which is English, so this package says so.
//
// It must be imported (blank) by package main. Go initialises packages in
// import-path order among those whose imports are ready; this package only
// imports os and strings, and its path sorts before golang.org/x/text, which
// fyne.io/fyne/v2/lang needs, so this init runs before Fyne's.
package plainlocale

import (
	"os"
	"strings"
)

func init() {
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		v, ok := os.LookupEnv(name)
		if !ok || v == "" {
			continue
		}
		if isPOSIX(v) {
			_ = os.Setenv(name, "en_US.UTF-8")
		}
	}
}

// isPOSIX tells the C and POSIX locales, with or without a codeset.
func isPOSIX(v string) bool {
	base, _, _ := strings.Cut(v, ".")
	return base == "C" || base == "POSIX"
}
