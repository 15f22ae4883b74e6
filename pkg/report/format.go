// Package report renders results for people and machines: tables through
// tablewriter, Markdown, and JSON. It knows nothing of sockets or
// namespaces; it is given plain data.
package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/nlstress/nlstress/pkg/result"
	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// Format is an output format.
type Format string

// The output formats every command offers.
const (
	FormatTable    Format = "table"
	FormatJSON     Format = "json"
	FormatMarkdown Format = "markdown"
)

// Formats lists the valid formats, for help text.
var Formats = []Format{FormatTable, FormatJSON, FormatMarkdown}

// Set parses a format name; with String and Type it makes *Format a
// pflag.Value.
func (f *Format) Set(s string) error {
	if Format(s) == FormatPrometheus {
		*f = FormatPrometheus // diagnose only; other commands refuse it
		return nil
	}
	for _, v := range Formats {
		if Format(s) == v {
			*f = v
			return nil
		}
	}
	names := make([]string, len(Formats))
	for i, v := range Formats {
		names[i] = string(v)
	}
	return fmt.Errorf("unknown output format %q: want %s (or prometheus, for diagnose)", s, strings.Join(names, ", "))
}

// String returns the format's name.
func (f *Format) String() string { return string(*f) }

// Type names the flag's value type in help output.
func (*Format) Type() string { return "format" }

// Table writes a table with a header row in the given format: a bordered
// text table, or a Markdown table. For FormatJSON use JSON instead.
func Table(w io.Writer, f Format, header []string, rows [][]string) error {
	// Headers as written: auto-formatting would turn "p50" into "P 50".
	opts := []tablewriter.Option{tablewriter.WithHeaderAutoFormat(tw.Off)}
	if f == FormatMarkdown {
		opts = append(opts, tablewriter.WithRenderer(renderer.NewMarkdown()))
	}
	t := tablewriter.NewTable(w, opts...)
	t.Header(header)
	if err := t.Bulk(rows); err != nil {
		return fmt.Errorf("render table: %w", err)
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("render table: %w", err)
	}
	if f == FormatMarkdown {
		// GFM reads a line right after a table as one more row.
		if _, err := io.WriteString(w, "\n"); err != nil {
			return err
		}
	}
	return nil
}

// paste writes lines to paste into a configuration: indented by indent in
// a table's text, a fenced code block in Markdown.
func paste(ew *errWriter, f Format, indent string, lines []string) {
	if f == FormatMarkdown {
		ew.printf("\n```\n%s\n```\n\n", strings.Join(lines, "\n"))
		return
	}
	for _, l := range lines {
		ew.printf("%s%s\n", indent, l)
	}
}

// JSON writes v as indented JSON followed by a newline.
func JSON(w io.Writer, v any) error { return result.WriteJSON(w, v) }
