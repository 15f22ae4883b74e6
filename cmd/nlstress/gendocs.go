package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// gendocsOptions are what the hidden "nlstress gendocs DIR" was asked:
// where to write man pages (DIR/man1) and completion files
// (DIR/completions), as scripts/package.sh puts them into the package.
type gendocsOptions struct {
	cmdIO
	dir  string
	root *cobra.Command
}

// Validate refuses a directory that does not exist.
func (o *gendocsOptions) Validate() error {
	st, err := os.Stat(o.dir)
	if err != nil {
		return fmt.Errorf("gendocs: %s: %w", o.dir, errors.Unwrap(err))
	}
	if !st.IsDir() {
		return fmt.Errorf("gendocs: %s is not a directory", o.dir)
	}
	return nil
}

// Run writes one man page per command and the bash, zsh and fish
// completion files.
func (o *gendocsOptions) Run() error {
	man := filepath.Join(o.dir, "man1")
	comp := filepath.Join(o.dir, "completions")
	for _, d := range []string{man, comp} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("gendocs: %w", err)
		}
	}
	// A fixed date: the same source makes the same pages.
	date := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if t, err := time.Parse(time.RFC3339, os.Getenv("SOURCE_DATE_EPOCH_RFC3339")); err == nil {
		date = t
	}
	o.root.DisableAutoGenTag = true
	escapeAngles(o.root)
	hdr := &doc.GenManHeader{Title: "NLSTRESS", Section: "1", Source: "nlstress", Manual: "nlstress manual", Date: &date}
	if err := doc.GenManTree(o.root, hdr, man); err != nil {
		return fmt.Errorf("gendocs: man pages: %w", err)
	}
	for name, gen := range map[string]func(string) error{
		"nlstress.bash": func(p string) error { return o.root.GenBashCompletionFileV2(p, true) },
		"_nlstress":     o.root.GenZshCompletionFile,
		"nlstress.fish": func(p string) error { return o.root.GenFishCompletionFile(p, true) },
	} {
		if err := gen(filepath.Join(comp, name)); err != nil {
			return fmt.Errorf("gendocs: completion %s: %w", name, err)
		}
	}
	_, err := fmt.Fprintf(o.out, "man pages in %s, completions in %s\n", man, comp)
	return err
}

// escapeAngles escapes the "<run>" of names like nls-<run>-subject in
// every command's long help: man pages are made from Markdown, which
// would take them for HTML tags and drop them.
func escapeAngles(c *cobra.Command) {
	c.Long = strings.ReplaceAll(c.Long, "<", `\<`)
	for _, sub := range c.Commands() {
		escapeAngles(sub)
	}
}

// newGendocsCmd is the hidden "nlstress gendocs DIR"; runF, when set, is
// called with the options instead of Run.
func newGendocsCmd(g *globals, root *cobra.Command, runF func(*gendocsOptions) error) *cobra.Command {
	o := &gendocsOptions{cmdIO: cmdIO{g: g}, root: root}
	return &cobra.Command{
		Use:         "gendocs DIR",
		Short:       "Write man pages and shell completion files into DIR (for packagers)",
		Hidden:      true,
		Args:        cobra.ExactArgs(1),
		Annotations: map[string]string{annFormats: "table"},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.dir = args[0]
			return execOptions(cmd, &o.cmdIO, o, runF)
		},
	}
}
