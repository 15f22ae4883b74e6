package bytesize

import (
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Size
	}{
		{"plain bytes", "212992", 212992},
		{"keepalived default", "131072", 131072},
		{"K is 1024", "64K", 65536},
		{"lower-case k", "64k", 65536},
		{"M is 1024^2", "1M", 1 << 20},
		{"MiB", "4MiB", 4 << 20},
		{"Mi without B", "4Mi", 4 << 20},
		{"Ki", "8Ki", 8192},
		{"G", "1G", 1 << 30},
		{"decimal MB", "1MB", 1000000},
		{"decimal kB", "100kB", 100000},
		{"decimal GB", "2GB", 2000000000},
		{"incident fix", "1000000", 1000000},
		{"B suffix", "4096B", 4096},
		{"largest", "2147483647", Max},
		{"1GiB fits", "1GiB", 1 << 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Fatalf("Parse(%q) = %d, want %d", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	for _, in := range []string{
		"", "1Q", "0", "0K", "-5", "-1M", "M", "1.5M", "1 M", "2G", "3GB",
		"2147483648", "99999999999999999999", "1MiBs", "0x10", "ten",
		" 64K ", "64K ", "\t1M", // a stray space is a typo, not a size
	} {
		t.Run(in, func(t *testing.T) {
			got, err := Parse(in)
			if err == nil {
				t.Fatalf("Parse(%q) = %d, want an error", in, got)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Parse(%q) error %v does not wrap ErrInvalid", in, err)
			}
		})
	}
}

func TestString(t *testing.T) {
	tests := []struct {
		in   Size
		want string
	}{
		{131072, "128KiB"},
		{1 << 20, "1MiB"},
		{1000000, "1000000"},
		{1 << 30, "1GiB"},
		{212992, "208KiB"},
		{1, "1"},
	}
	for _, tt := range tests {
		if got := tt.in.String(); got != tt.want {
			t.Errorf("Size(%d).String() = %q, want %q", int64(tt.in), got, tt.want)
		}
		back, err := Parse(tt.want)
		if err != nil || back != tt.in {
			t.Errorf("Parse(%q) = %d, %v; want %d (round trip)", tt.want, back, err, tt.in)
		}
	}
}

func TestHuman(t *testing.T) {
	tests := []struct {
		in   Size
		want string
	}{
		{607436, "593.2KiB"},
		{512, "512B"},
		{2 << 20, "2.0MiB"},
	}
	for _, tt := range tests {
		if got := tt.in.Human(); got != tt.want {
			t.Errorf("Size(%d).Human() = %q, want %q", int64(tt.in), got, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"64K", "1MB", "4MiB", "-5", "1Q", "2147483647"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)
		if err != nil {
			return
		}
		if n < 1 || n > Max {
			t.Fatalf("Parse(%q) = %d, outside 1..Max", s, n)
		}
		back, err := Parse(n.String())
		if err != nil || back != n {
			t.Fatalf("round trip of %q: %d -> %q -> %d, %v", s, n, n.String(), back, err)
		}
	})
}

func TestJSON(t *testing.T) {
	b, err := Size(131072).MarshalJSON()
	if err != nil || string(b) != "131072" {
		t.Fatalf("MarshalJSON = %s, %v", b, err)
	}
	for in, want := range map[string]Size{`131072`: 131072, `"1M"`: 1 << 20, `"1MB"`: 1000000, `0`: 0} {
		var s Size
		if err := s.UnmarshalJSON([]byte(in)); err != nil || s != want {
			t.Errorf("UnmarshalJSON(%s) = %d, %v; want %d", in, s, err, want)
		}
	}
	var s Size
	for _, bad := range []string{`"0"`, `"1Q"`, `-1`, `"x`} {
		if err := s.UnmarshalJSON([]byte(bad)); !errors.Is(err, ErrInvalid) {
			t.Errorf("UnmarshalJSON(%s) = %v, want ErrInvalid", bad, err)
		}
	}
}
