package postmortem

import "strings"

// maxSlug keeps IDs short enough for file names and URLs, and for a person to read out.
const maxSlug = 60

// slugFold spells common accented Latin letters in ASCII, so that "Störung im Zahlungsdienst"
// becomes "stoerung-im-zahlungsdienst" rather than "st-rung-im-zahlungsdienst".
var slugFold = strings.NewReplacer(
	"ä", "ae", "ö", "oe", "ü", "ue", "ß", "ss", "æ", "ae", "œ", "oe", "ø", "o", "å", "a",
	"à", "a", "á", "a", "â", "a", "ã", "a", "ç", "c", "è", "e", "é", "e", "ê", "e", "ë", "e",
	"ì", "i", "í", "i", "î", "i", "ï", "i", "ñ", "n", "ò", "o", "ó", "o", "ô", "o", "õ", "o",
	"ù", "u", "ú", "u", "û", "u", "ý", "y", "ÿ", "y", "ł", "l", "ś", "s", "ş", "s", "š", "s",
	"ź", "z", "ż", "z", "ž", "z", "ć", "c", "č", "c", "ń", "n", "ę", "e", "ą", "a", "ř", "r",
	"ğ", "g", "ı", "i",
)

// Slug turns s into an ID: lowercase ASCII letters, digits and single '-', at most 60 characters,
// cut at a word boundary where one is near. It is never empty: "postmortem" stands in for a
// string with nothing to keep.
func Slug(s string) string {
	s = slugFold.Replace(strings.ToLower(s))
	var b strings.Builder
	dash := false
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		default:
			dash = true
		}
	}
	out := b.String()
	if len(out) > maxSlug {
		out = out[:maxSlug]
		// Cutting inside a word leaves a fragment; drop it unless that loses most of the slug.
		if i := strings.LastIndexByte(out, '-'); i >= maxSlug/2 {
			out = out[:i]
		}
		out = strings.TrimRight(out, "-")
	}
	if out == "" {
		return "postmortem"
	}
	return out
}
