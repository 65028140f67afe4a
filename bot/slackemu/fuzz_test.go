package slackemu

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// FuzzParseBlocks feeds arbitrary blocks arguments to the validator: it must never
// panic, and whatever it accepts must come back as a JSON list whose every block has
// a block_id and which it accepts again unchanged.
func FuzzParseBlocks(f *testing.F) {
	for _, seed := range []string{
		`[{"type":"divider"}]`,
		`[{"type":"section","text":{"type":"mrkdwn","text":"*hi*"},"accessory":{"type":"button","text":{"type":"plain_text","text":"Go"},"action_id":"go"}}]`,
		`[{"type":"actions","block_id":"a","elements":[{"type":"button","text":{"type":"plain_text","text":"x"},"action_id":"x","value":"1","style":"danger"}]}]`,
		`[{"type":"header","text":{"type":"plain_text","text":"Incident"}},{"type":"context","elements":[{"type":"mrkdwn","text":"c"}]}]`,
		`[{"type":"section","fields":[{"type":"mrkdwn","text":"a"},{"type":"plain_text","text":"b"}]}]`,
		`[{"type":"image","image_url":"https://x/y.png","alt_text":"y"}]`,
		`[{"type":"rich_text","elements":[]}]`,
		`[{}]`, `[1]`, `[null]`, `{}`, `[`, ``,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		out, e := parseBlocks(raw, "salt")
		if e != nil {
			if e.code != "invalid_blocks" && e.code != "invalid_blocks_format" {
				t.Fatalf("parseBlocks(%q) code %q", raw, e.code)
			}
			return
		}
		var list []map[string]any
		if err := json.Unmarshal(out, &list); err != nil {
			t.Fatalf("parseBlocks(%q) = %s, not a JSON list of objects: %v", raw, out, err)
		}
		for i, b := range list {
			if _, ok := b["block_id"].(string); !ok {
				t.Fatalf("parseBlocks(%q): block %d has no block_id", raw, i)
			}
		}
		again, e := parseBlocks(string(out), "other")
		if e != nil || string(again) != string(out) {
			t.Fatalf("parseBlocks(%s) = %s, %v; want it accepted unchanged", out, again, e)
		}
	})
}

// FuzzParseRequest feeds arbitrary bodies to the Web API request parser: it must never
// panic and must either read arguments or name a Slack error code.
func FuzzParseRequest(f *testing.F) {
	f.Add("application/x-www-form-urlencoded", "token=xoxb-1&channel=C1&text=hi")
	f.Add("application/json", `{"channel":"C1","blocks":[{"type":"divider"}],"thread_ts":null}`)
	f.Add("multipart/form-data; boundary=XX", "--XX\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\nxoxb-1\r\n--XX--\r\n")
	f.Add("text/plain", "hello")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, contentType, body string) {
		r, err := http.NewRequest(http.MethodPost, "http://127.0.0.1/api/auth.test", strings.NewReader(body))
		if err != nil {
			return
		}
		r.Header.Set("Content-Type", contentType)
		req := parseRequest(r, "auth.test")
		if req.parseErr == "" && req.args == nil {
			t.Fatalf("parseRequest(%q, %q): no args and no error", contentType, body)
		}
	})
}
