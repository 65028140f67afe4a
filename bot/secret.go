package bot

// Secret is a token or signing secret. It prints as [redacted] in logs, errors and encodings;
// Reveal is the only way to the value.
type Secret string

func (Secret) String() string               { return "[redacted]" }
func (Secret) GoString() string             { return "[redacted]" }
func (Secret) MarshalText() ([]byte, error) { return []byte("[redacted]"), nil }
func (s Secret) Reveal() string             { return string(s) }
