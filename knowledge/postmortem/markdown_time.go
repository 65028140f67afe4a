package postmortem

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// stamp is a date and/or time of day as a document writes it, before the day and zone it
// leaves out are known.
type stamp struct {
	hasDate    bool
	year, day  int
	month      time.Month
	hasClock   bool
	hour, min  int
	sec, nsec  int
	zone       string // as written, without parentheses; "" when none
	clockEnd   int    // index in the scanned string just after the date and clock
	end        int    // index just after the zone, or clockEnd when there is none
	dateOnlyAt int    // index just after the date, for a date with no clock
}

// stampRE reads "2024-03-05", "2024-03-05T14:02:07Z", "14:02", "2:02 pm", "14:02 UTC" and
// "14:02 (CET)" from the start of a string. The zone is only a candidate: resolveZone decides
// whether it is one, so that "14:02 DNS errors" keeps "DNS" as text.
var stampRE = regexp.MustCompile(`^(?:(\d{4})[-/.](\d{1,2})[-/.](\d{1,2}))?` +
	`(?:(?:T|,?[ \t]+)?(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:[ \t]?([AaPp]\.?[Mm]\.?))?)?` +
	`(?:[ \t]*\(?(Z|[+-]\d{2}:?\d{2}|(?:UTC|GMT)[+-]\d{1,2}(?::?\d{2})?|[A-Z]{1,5})\)?)?`)

// scanStamp reads a stamp at the start of s. It reports false when s starts with neither a date
// nor a time of day.
func scanStamp(s string) (stamp, bool) {
	m := stampRE.FindStringSubmatchIndex(s)
	if m == nil {
		return stamp{}, false
	}
	group := func(i int) string {
		if m[2*i] < 0 {
			return ""
		}
		return s[m[2*i]:m[2*i+1]]
	}
	num := func(i int) int {
		n, _ := strconv.Atoi(group(i))
		return n
	}
	var st stamp
	if group(1) != "" {
		st.hasDate = true
		st.year, st.month, st.day = num(1), time.Month(num(2)), num(3)
		st.clockEnd, st.dateOnlyAt = m[7], m[7]
		if !validDate(st.year, st.month, st.day) || digitAt(s, m[7]) {
			return stamp{}, false
		}
	}
	if group(4) != "" {
		st.hasClock = true
		st.hour, st.min, st.sec = num(4), num(5), num(6)
		if f := group(7); f != "" {
			st.nsec, _ = strconv.Atoi((f + "000000000")[:9])
		}
		ampm := group(8)
		if letterAt(s, m[17]) { // "9:05 amazing" has no am/pm
			ampm, m[16], m[17], m[18], m[19] = "", -1, -1, -1, -1
		}
		switch strings.ToLower(ampm + " ")[0] {
		case 'p':
			if st.hour < 1 || st.hour > 12 {
				return stamp{}, false
			}
			st.hour = st.hour%12 + 12
		case 'a':
			if st.hour < 1 || st.hour > 12 {
				return stamp{}, false
			}
			st.hour %= 12
		}
		end := m[11]
		for _, g := range []int{6, 7, 8} {
			if m[2*g+1] > end {
				end = m[2*g+1]
			}
		}
		st.clockEnd = end
		if st.hour > 23 || st.min > 59 || st.sec > 60 || digitAt(s, end) {
			return stamp{}, false
		}
		st.sec = min(st.sec, 59)
	}
	if !st.hasDate && !st.hasClock {
		return stamp{}, false
	}
	st.end = st.clockEnd
	if z := group(9); z != "" && !letterAt(s, m[1]) {
		st.zone, st.end = z, m[1]
	}
	return st, true
}

func digitAt(s string, i int) bool { return i >= 0 && i < len(s) && s[i] >= '0' && s[i] <= '9' }

func letterAt(s string, i int) bool {
	return i >= 0 && i < len(s) && (s[i]|0x20 >= 'a' && s[i]|0x20 <= 'z')
}

func validDate(y int, m time.Month, d int) bool {
	if m < 1 || m > 12 || d < 1 || d > 31 {
		return false
	}
	t := time.Date(y, m, d, 12, 0, 0, 0, time.UTC)
	return t.Day() == d
}

// civil is a calendar day with no zone.
type civil struct {
	y  int
	m  time.Month
	d  int
	ok bool
}

func dayOf(t time.Time, loc *time.Location) civil {
	if t.IsZero() {
		return civil{}
	}
	y, m, d := t.In(loc).Date()
	return civil{y, m, d, true}
}

// at returns the stamp as an instant, taking the day from day and the zone from zone (when
// the stamp names none) or loc. It reports false when the stamp has no time of day, no day is
// known, or the stamp's zone is not one. zoneUsed says whether the stamp's own zone was read.
func (st stamp) at(day civil, zone string, loc *time.Location) (t time.Time, zoneUsed, ok bool) {
	if !st.hasClock {
		return time.Time{}, false, false
	}
	if st.hasDate {
		day = civil{st.year, st.month, st.day, true}
	}
	if !day.ok {
		return time.Time{}, false, false
	}
	in := loc
	if st.zone != "" {
		if z, found := resolveZone(st.zone, day, loc); found {
			in, zoneUsed = z, true
		}
	}
	if !zoneUsed && zone != "" {
		if z, found := resolveZone(zone, day, loc); found {
			in = z
		}
	}
	return time.Date(day.y, day.m, day.d, st.hour, st.min, st.sec, st.nsec, in), zoneUsed, true
}

// resolveZone turns a zone as a document writes it into a location: "UTC", "+01:00",
// "UTC+1", an abbreviation loc uses on day, or a common abbreviation. IANA names are for
// zoneByName: loading one reads a file, so a document's lines do not get to ask for one each.
func resolveZone(name string, day civil, loc *time.Location) (*time.Location, bool) {
	name = strings.Trim(name, "() ")
	switch strings.ToUpper(name) {
	case "":
		return loc, true
	case "Z", "UTC", "GMT":
		return time.UTC, true
	}
	if off, ok := numericOffset(name); ok {
		return time.FixedZone(name, off), true
	}
	if day.ok && loc != nil {
		for _, h := range []int{0, 12} {
			if abbr, _ := time.Date(day.y, day.m, day.d, h, 0, 0, 0, loc).Zone(); abbr == name {
				return loc, true
			}
		}
	}
	if off, ok := abbreviationOffset(name); ok {
		return time.FixedZone(name, off), true
	}
	return nil, false
}

var offsetRE = regexp.MustCompile(`^(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?$`)

func numericOffset(s string) (int, bool) {
	m := offsetRE.FindStringSubmatch(strings.ToUpper(s))
	if m == nil {
		return 0, false
	}
	h, _ := strconv.Atoi(m[2])
	mins, _ := strconv.Atoi(m[3])
	if h > 14 || mins > 59 {
		return 0, false
	}
	off := h*3600 + mins*60
	if m[1] == "-" {
		off = -off
	}
	return off, true
}

// abbreviationOffset knows the abbreviations incident documents use most; the ambiguous ones
// take their most common reading in operations teams (IST is India, CST is US Central).
func abbreviationOffset(s string) (int, bool) {
	const h = 3600
	switch s {
	case "WET":
		return 0, true
	case "BST", "WEST", "CET", "MEZ":
		return 1 * h, true
	case "CEST", "MESZ", "EET", "SAST":
		return 2 * h, true
	case "EEST", "MSK":
		return 3 * h, true
	case "IST":
		return 5*h + h/2, true
	case "SGT", "HKT", "AWST":
		return 8 * h, true
	case "JST", "KST":
		return 9 * h, true
	case "AEST":
		return 10 * h, true
	case "AEDT":
		return 11 * h, true
	case "NZST":
		return 12 * h, true
	case "NZDT":
		return 13 * h, true
	case "EDT":
		return -4 * h, true
	case "EST", "CDT":
		return -5 * h, true
	case "CST", "MDT":
		return -6 * h, true
	case "MST", "PDT":
		return -7 * h, true
	case "PST", "AKDT":
		return -8 * h, true
	case "AKST":
		return -9 * h, true
	case "HST":
		return -10 * h, true
	}
	return 0, false
}

var (
	isoDateRE   = regexp.MustCompile(`\b(\d{4})-(\d{2})-(\d{2})\b`)
	dayMonthRE  = regexp.MustCompile(`(?i)\b(\d{1,2})(?:st|nd|rd|th)?\.?\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,?\s+(\d{4})\b`)
	monthDayRE  = regexp.MustCompile(`(?i)\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b`)
	monthPrefix = "janfebmaraprmayjunjulaugsepoctnovdec"
)

// findDate finds a calendar day anywhere in s: "2024-03-05", "5 March 2024", "March 5th, 2024".
// It returns the day and the text around it.
func findDate(s string) (civil, string) {
	if m := isoDateRE.FindStringSubmatchIndex(s); m != nil {
		y, _ := strconv.Atoi(s[m[2]:m[3]])
		mo, _ := strconv.Atoi(s[m[4]:m[5]])
		d, _ := strconv.Atoi(s[m[6]:m[7]])
		if validDate(y, time.Month(mo), d) {
			return civil{y, time.Month(mo), d, true}, s[:m[0]] + s[m[1]:]
		}
	}
	month := func(name string) time.Month {
		return time.Month(strings.Index(monthPrefix, strings.ToLower(name))/3 + 1)
	}
	if m := dayMonthRE.FindStringSubmatchIndex(s); m != nil {
		d, _ := strconv.Atoi(s[m[2]:m[3]])
		y, _ := strconv.Atoi(s[m[6]:m[7]])
		if mo := month(s[m[4]:m[5]]); validDate(y, mo, d) {
			return civil{y, mo, d, true}, s[:m[0]] + s[m[1]:]
		}
	}
	if m := monthDayRE.FindStringSubmatchIndex(s); m != nil {
		d, _ := strconv.Atoi(s[m[4]:m[5]])
		y, _ := strconv.Atoi(s[m[6]:m[7]])
		if mo := month(s[m[2]:m[3]]); validDate(y, mo, d) {
			return civil{y, mo, d, true}, s[:m[0]] + s[m[1]:]
		}
	}
	return civil{}, s
}

// parseWhen reads a whole string as a date or a date and time, as front matter and key-time
// lines write them. A date alone is midnight in loc.
func parseWhen(s string, loc *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	st, ok := scanStamp(s)
	if !ok || !st.hasDate {
		if day, rest := findDate(s); day.ok && strings.TrimSpace(strings.Trim(rest, ",")) == "" {
			return time.Date(day.y, day.m, day.d, 0, 0, 0, 0, loc), true
		}
		return time.Time{}, false
	}
	if !st.hasClock {
		if strings.TrimSpace(s[st.dateOnlyAt:]) != "" {
			return time.Time{}, false
		}
		return time.Date(st.year, st.month, st.day, 0, 0, 0, 0, loc), true
	}
	t, zoneUsed, ok := st.at(civil{}, "", loc)
	rest := s[st.end:]
	if !zoneUsed {
		rest = s[st.clockEnd:]
	}
	if !ok || strings.TrimSpace(rest) != "" {
		return time.Time{}, false
	}
	return t, true
}
