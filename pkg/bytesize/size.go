// Package bytesize parses and prints buffer sizes such as "64K", "1MiB" or
// "1000000", the way a socket's receive buffer is written on a command line.
//
// K, M and G and their binary forms Ki, Mi and Gi mean powers of 1024
// (the convention of ip(8), sysctl and most daemons' configuration);
// kB, MB and GB mean powers of 1000. A trailing "B" is optional after the
// binary forms ("4MiB" and "4Mi" are the same). Sizes are limited to what
// setsockopt(2) takes: 1 to math.MaxInt32 bytes.
package bytesize

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Size is a number of bytes.
type Size int64

// Max is the largest Size that setsockopt(2) accepts for SO_RCVBUF, as an int32.
const Max Size = math.MaxInt32

// Common sizes.
const (
	KiB Size = 1 << 10
	MiB Size = 1 << 20
	GiB Size = 1 << 30
)

// ErrInvalid is wrapped by every error Parse returns.
var ErrInvalid = errors.New("invalid size")

// multipliers maps a unit suffix, lower-cased, to its multiplier.
var multipliers = map[string]int64{
	"":    1,
	"b":   1,
	"k":   1 << 10,
	"ki":  1 << 10,
	"kib": 1 << 10,
	"m":   1 << 20,
	"mi":  1 << 20,
	"mib": 1 << 20,
	"g":   1 << 30,
	"gi":  1 << 30,
	"gib": 1 << 30,
	"kb":  1e3,
	"mb":  1e6,
	"gb":  1e9,
}

// Parse reads a size such as "212992", "64K", "1M", "4MiB" or "1MB".
// It rejects empty input, fractions, zero, negative sizes, unknown units and
// sizes above Max, with an error that wraps ErrInvalid and quotes the input.
func Parse(s string) (Size, error) {
	t := s
	if strings.TrimSpace(s) != s {
		return 0, fmt.Errorf("%w %q: spaces around the number", ErrInvalid, s)
	}
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	if i == 0 {
		if strings.HasPrefix(t, "-") {
			return 0, fmt.Errorf("%w %q: must be positive", ErrInvalid, s)
		}
		return 0, fmt.Errorf("%w %q: want a number with an optional unit (K, M, G, Ki, Mi, Gi, kB, MB, GB)", ErrInvalid, s)
	}
	n, err := strconv.ParseInt(t[:i], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w %q: above the maximum of %d bytes", ErrInvalid, s, Max)
	}
	mult, ok := multipliers[strings.ToLower(t[i:])]
	if !ok {
		return 0, fmt.Errorf("%w %q: unknown unit %q (use K, M, G, Ki, Mi, Gi, kB, MB or GB)", ErrInvalid, s, t[i:])
	}
	if n == 0 {
		return 0, fmt.Errorf("%w %q: must be at least 1 byte", ErrInvalid, s)
	}
	if n > int64(Max)/mult {
		return 0, fmt.Errorf("%w %q: above the maximum of %d bytes that setsockopt takes", ErrInvalid, s, Max)
	}
	return Size(n * mult), nil
}

// String prints the size in the shortest exact binary unit, e.g. "64KiB",
// "1MiB", or plain bytes ("1000000") when no binary unit divides it.
func (s Size) String() string {
	switch {
	case s != 0 && s%GiB == 0:
		return strconv.FormatInt(int64(s/GiB), 10) + "GiB"
	case s != 0 && s%MiB == 0:
		return strconv.FormatInt(int64(s/MiB), 10) + "MiB"
	case s != 0 && s%KiB == 0:
		return strconv.FormatInt(int64(s/KiB), 10) + "KiB"
	}
	return strconv.FormatInt(int64(s), 10)
}

// Human prints the size rounded to one decimal in the largest binary unit
// that keeps it at or above 1, e.g. "593.2KiB", for reports.
func (s Size) Human() string {
	f := float64(s)
	switch {
	case s >= GiB:
		return strconv.FormatFloat(f/float64(GiB), 'f', 1, 64) + "GiB"
	case s >= MiB:
		return strconv.FormatFloat(f/float64(MiB), 'f', 1, 64) + "MiB"
	case s >= KiB:
		return strconv.FormatFloat(f/float64(KiB), 'f', 1, 64) + "KiB"
	}
	return strconv.FormatInt(int64(s), 10) + "B"
}

// Set parses s into the receiver; with Type it makes *Size a pflag.Value.
func (s *Size) Set(v string) error {
	n, err := Parse(v)
	if err != nil {
		return err
	}
	*s = n
	return nil
}

// Type names the flag's value type in help output.
func (*Size) Type() string { return "size" }

// MarshalJSON writes the size as a JSON number of bytes.
func (s Size) MarshalJSON() ([]byte, error) {
	return strconv.AppendInt(nil, int64(s), 10), nil
}

// UnmarshalJSON accepts a JSON number of bytes or a string that Parse
// accepts ("1M"). The number 0 is a size not set (the kernel's default),
// as MarshalJSON writes it: a saved result reads back.
func (s *Size) UnmarshalJSON(b []byte) error {
	if string(b) == "0" {
		*s = 0
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		u, err := strconv.Unquote(string(b))
		if err != nil {
			return fmt.Errorf("%w %s", ErrInvalid, b)
		}
		return s.Set(u)
	}
	return s.Set(string(b))
}

// UnmarshalText accepts anything Parse accepts, for YAML and flags.
func (s *Size) UnmarshalText(b []byte) error { return s.Set(string(b)) }
