package result

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/nlstress/nlstress/pkg/outfile"
)

// Save writes r as indented JSON to path, atomically and only over a
// regular file (see package outfile).
func Save(path string, r Result) error {
	return outfile.Write(path, func(w io.Writer) error { return WriteJSON(w, r) })
}

// WriteJSON writes v as JSON indented by two spaces, ending in a newline:
// the one form of every JSON document nlstress writes (results, sweeps,
// reports on stdout).
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}

// Load reads a result saved by Save. A result of a schema version before
// OldestReadable or after SchemaVersion is an error.
func Load(path string) (Result, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Result{}, fmt.Errorf("load result: %w", err)
	}
	var r Result
	if err := json.Unmarshal(b, &r); err != nil {
		return Result{}, fmt.Errorf("load result %s: %w", path, err)
	}
	if r.SchemaVersion < OldestReadable || r.SchemaVersion > SchemaVersion {
		return Result{}, fmt.Errorf("load result %s: schema_version %d, this nlstress reads %d to %d", path, r.SchemaVersion, OldestReadable, SchemaVersion)
	}
	return r, nil
}
