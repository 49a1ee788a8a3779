package mission

// Lint reads a mission file as Parse and then Expand(nil) do, for
// `academy mission lint`, but does not stop at the first rule broken: it
// returns every problem they would find and, whenever the document could
// be decoded, the expanded mission (nil when it could not), so the caller
// can compile its checks and list their problems too.
//
// A string that uses a variable not declared, or that is empty once
// expanded, is reported and left as written, so that a check field made of
// it fails at the same place; a caller can drop what fails where a problem
// is already reported. Problems found again once the variables are
// expanded are not repeated.
func Lint(name string, data []byte) (x *Mission, errs SpecErrors) {
	defer func() {
		if r := recover(); r != nil {
			x, errs = nil, SpecErrors{{File: name, Msg: "not a valid mission document (the YAML decoder failed on it)"}}
		}
	}()
	m, file, err := decode(name, data)
	if err != nil {
		return nil, ErrorList(name, err)
	}
	m.validate(file, &errs)
	m.validateVarUses(file, &errs)

	x, empty, invalid, err := m.expand(m.Vars)
	errs = append(errs, empty...)
	if err != nil {
		return nil, append(errs, ErrorList(name, err)...)
	}
	return x, appendNew(errs, invalid)
}

// appendNew adds to errs the errors of more at a place errs has no error
// for yet: a rule that fails on the file as written and again once
// expanded is one problem, and the first message names its cause.
func appendNew(errs, more SpecErrors) SpecErrors {
	type place struct{ line, col int }
	seen := map[place]bool{}
	for _, e := range errs {
		seen[place{e.Line, e.Column}] = true
	}
	for _, e := range more {
		if !seen[place{e.Line, e.Column}] || e.Line == 0 {
			errs = append(errs, e)
		}
	}
	return errs
}

// Read returns the file's bytes as Load reads them: a regular file, at most
// MaxFileSize bytes.
func (f File) Read() ([]byte, error) { return readLimited(f.src.fsys, f.base) }

// UsedVars lists the variables s uses ({{.name}}), in order of first use.
func UsedVars(s string) []string { return usedVars(s) }
