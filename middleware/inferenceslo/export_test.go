package inferenceslo

// DefaultOutcomes is the taxonomy's table of default verdicts, for the
// tests.
var DefaultOutcomes = defaultOutcomes

// NumErrorTypes bounds the taxonomy, for the tests.
const NumErrorTypes = numErrorTypes
