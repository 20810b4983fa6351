package handoff

// Aliases for the external tests (package handoff_test).
func (r Policy) Prompt(p0 string, p1 FieldID) string { return r.prompt(p0, p1) }

var Alternatives = alternatives
var ContainsField = containsField
