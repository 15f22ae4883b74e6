package result

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Save writes r as indented JSON to path, through a temporary file in the
// same directory so a reader never sees half of it.
func Save(path string, r Result) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("save result: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".nlstress-*.json")
	if err != nil {
		return fmt.Errorf("save result to %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("save result to %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save result to %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("save result to %s: %w", path, err)
	}
	return nil
}

// Load reads a result saved by Save. A result of another schema version is
// an error.
func Load(path string) (Result, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Result{}, fmt.Errorf("load result: %w", err)
	}
	var r Result
	if err := json.Unmarshal(b, &r); err != nil {
		return Result{}, fmt.Errorf("load result %s: %w", path, err)
	}
	if r.SchemaVersion != SchemaVersion {
		return Result{}, fmt.Errorf("load result %s: schema_version %d, this nlstress reads %d", path, r.SchemaVersion, SchemaVersion)
	}
	return r, nil
}
