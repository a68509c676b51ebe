package plainlocale

import "testing"

func TestIsPOSIX(t *testing.T) {
	for v, want := range map[string]bool{
		"C": true, "C.UTF-8": true, "C.utf8": true, "POSIX": true,
		"en_US.UTF-8": false, "de_DE": false, "": false, "Cy": false,
	} {
		if got := isPOSIX(v); got != want {
			t.Errorf("isPOSIX(%q) = %v, want %v", v, got, want)
		}
	}
}
