package sockdiag_test

import (
	"testing"

	"github.com/nlstress/nlstress/pkg/sockdiag"
)

func TestFull(t *testing.T) {
	for _, tc := range []struct {
		name string
		mi   sockdiag.MemInfo
		want bool
	}{
		{"empty", sockdiag.MemInfo{RcvBuf: 131072}, false},
		{"half", sockdiag.MemInfo{Rmem: 65536, RcvBuf: 131072}, false},
		{"room for a message", sockdiag.MemInfo{Rmem: 131072 - 8192, RcvBuf: 131072}, false},
		{"no room for one", sockdiag.MemInfo{Rmem: 129824, RcvBuf: 131072}, true},
		{"overshoot by one message", sockdiag.MemInfo{Rmem: 132800, RcvBuf: 131072}, true},
		{"failed read", sockdiag.MemInfo{}, false},
	} {
		if got := sockdiag.Full(tc.mi); got != tc.want {
			t.Errorf("%s: Full(%+v) = %v, want %v", tc.name, tc.mi, got, tc.want)
		}
	}
}
