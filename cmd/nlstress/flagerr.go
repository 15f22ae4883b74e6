package main

import (
	"errors"
	"regexp"

	"github.com/spf13/cobra"
)

// flagWords are the Go parsers' words in pflag's errors ("invalid
// argument "abc" for "--vrids" flag: strconv.ParseInt: parsing "abc":
// invalid syntax") and what a user reads instead.
var flagWords = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`strconv\.Parse(Int|Uint): parsing "[^"]*": invalid syntax`), "not a whole number"},
	{regexp.MustCompile(`strconv\.ParseFloat: parsing "[^"]*": invalid syntax`), "not a number"},
	{regexp.MustCompile(`strconv\.ParseBool: parsing "[^"]*": invalid syntax`), "want true or false"},
	{regexp.MustCompile(`strconv\.Parse\w+: parsing "[^"]*": value out of range`), "out of range"},
	{regexp.MustCompile(`time: missing unit in duration "[^"]*"`), "a duration needs a unit (500ms, 2s, 1m)"},
	{regexp.MustCompile(`time: (invalid|unknown unit .* in) duration "[^"]*"`), "not a duration (500ms, 2s, 1m)"},
}

// plainFlagError is the root's FlagErrorFunc: a bad flag value said in
// words, not in the Go parser's.
func plainFlagError(_ *cobra.Command, err error) error {
	msg := err.Error()
	for _, w := range flagWords {
		msg = w.re.ReplaceAllString(msg, w.with)
	}
	if msg == err.Error() {
		return err
	}
	return errors.New(msg)
}
