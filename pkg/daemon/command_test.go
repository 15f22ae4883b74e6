package daemon

import (
	"errors"
	"testing"
)

func TestCheckCommand(t *testing.T) {
	for _, tt := range []struct {
		cmd string
		ok  bool
	}{
		{"ip monitor link address", true},
		{"exec sleep 1", true},
		{"FOO=1 sh -c 'echo $FOO'", true},
		{"", false},
		{"   ", false},
		{"/nonexistent/vrrpd -f x", false},
		{"no-such-program-nlstress --flag", false},
		{"echo 'unterminated", false},
		{"if then fi", false},
	} {
		t.Run(tt.cmd, func(t *testing.T) {
			err := CheckCommand(tt.cmd)
			if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrCommand)) {
				t.Fatalf("CheckCommand(%q) = %v, want ok=%v", tt.cmd, err, tt.ok)
			}
		})
	}
}
