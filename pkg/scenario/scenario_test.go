package scenario

import (
	"errors"
	"testing"
)

func TestValidate(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatalf("Default() is invalid: %v", err)
	}
	tests := map[string]func(*Scenario){
		"zero vrids":      func(s *Scenario) { s.VRIDs = 0 },
		"70000 vrids":     func(s *Scenario) { s.VRIDs = 70000 },
		"negative vrids":  func(s *Scenario) { s.VRIDs = -3 },
		"family 5":        func(s *Scenario) { s.Family = 5 },
		"zero rcvbuf":     func(s *Scenario) { s.RcvBuf = 0 },
		"negative rcvbuf": func(s *Scenario) { s.RcvBuf = -5 },
	}
	for name, mutate := range tests {
		t.Run(name, func(t *testing.T) {
			s := Default()
			mutate(&s)
			if err := s.Validate(); !errors.Is(err, ErrInvalid) {
				t.Fatalf("Validate() = %v, want ErrInvalid", err)
			}
		})
	}
}
