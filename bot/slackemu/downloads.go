package slackemu

import (
	"bytes"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap"
)

// storedFile is a shared file and who may see it. Guarded by Server.mu; the File is not
// changed once shared.
type storedFile struct {
	file     *File
	owner    string   // the uploader's user ID
	channels []string // the channels it was shared in
}

// UploadAsUser shares a file from a user, as dragging it into a Slack channel does: a
// file_share message whose files[] holds the file and whose text is comment (which may be
// empty), in history and delivered to the app as a message event. InThread and At work
// as in Post. The file's url_private serves content to the bot token while the app has
// files:read. The user must be a member of the channel. It returns the message ts.
func (s *Server) UploadAsUser(userID, channelID, name string, content []byte, comment string, opts ...PostOption) (string, error) {
	o := newPostOptions(opts)
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, err := s.memberChannelLocked("upload", userID, channelID)
	if err != nil {
		return "", err
	}
	switch {
	case name == "" || strings.ContainsAny(name, "/\\"):
		return "", fmt.Errorf("upload: invalid file name %q", name)
	case len(content) == 0:
		// files.getUploadURLExternal refuses a length of 0, so Slack has no empty files.
		return "", fmt.Errorf("upload: %s is empty", name)
	}
	threadTS, e := threadLocked(ch, o.threadTS)
	if e != nil {
		return "", fmt.Errorf("upload: no message %s in %s to reply to", o.threadTS, channelID)
	}
	ts, err := s.tsLocked(ch, o.at)
	if err != nil {
		return "", fmt.Errorf("upload: %w", err)
	}
	mt, ft := fileTypes(name)
	f := &File{
		ID: fmt.Sprintf("F%08d", s.nextSeqLocked("file")), Name: name, Title: name,
		Mimetype: mt, Filetype: ft, Size: len(content), Content: slices.Clone(content),
	}
	s.files[f.ID] = &storedFile{file: f, owner: userID, channels: []string{ch.ID}}
	m := &message{ts: ts, threadTS: threadTS, user: userID, subtype: "file_share", text: comment, files: []*File{f}}
	if comment != "" {
		m.blocks = richText(shortID(ch.ID+ts), comment)
	}
	s.addMessageLocked(ch, m)
	s.emitNewMessageLocked(ch, m)
	return ts, nil
}

// fileURL is a file's url_private, shaped like Slack's
// https://files.slack.com/files-pri/T…-F…/name but on this server, because slack-go sends
// the token only to Slack hosts and to the API's own host (misc.go ensureURLMayReceiveToken).
func (s *Server) fileURL(f *File) string {
	return fmt.Sprintf("%s/files-pri/%s-%s/%s", s.baseURL, teamID, f.ID, url.PathEscape(f.Name))
}

// serveFile serves url_private and url_private_download. Slack serves a file only to a
// request with "Authorization: Bearer <token>" whose app may read it; anything else is
// redirected to the workspace's sign-in page with redir set to the file's path, which a
// client that follows redirects receives as a 200 HTML page (slack-go v0.35.0 misc.go
// downloadFile; https://api.slack.com/types/file#auth). Slack documents no answer for a
// token without files:read; the emulator gives it the same redirect, the answer apps
// report for a token that cannot read the file, and logs why.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	dir, name, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/files-pri/"), "/")
	id, _ := strings.CutPrefix(dir, teamID+"-")
	s.mu.Lock()
	sf := s.files[id]
	found := sf != nil && sf.file.Name == name
	refusal := ""
	switch {
	case r.Header.Get("Authorization") != "Bearer "+s.app.BotToken:
		refusal = "no bot token in Authorization"
	case !s.checkScopeLocked("files:read", "url_private"):
		refusal = "the app lacks the files:read scope"
	case found && !s.fileVisibleLocked(sf):
		refusal = "the bot cannot see a channel the file was shared in"
	}
	var f File
	if found {
		f = *sf.file
	}
	s.mu.Unlock()
	if refusal != "" {
		s.log.Info("url_private refused: redirecting to sign-in", zap.String("path", r.URL.Path), zap.String("reason", refusal))
		http.Redirect(w, r, "/?redir="+url.QueryEscape(r.URL.Path), http.StatusFound)
		return
	}
	if !found {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", f.Mimetype)
	if r.URL.Query().Get("download") == "1" {
		w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.Name}))
	}
	http.ServeContent(w, r, f.Name, time.Time{}, bytes.NewReader(f.Content))
}

// fileVisibleLocked reports whether the bot may read sf: its own uploads, and files shared
// in a channel it can see (any public channel, private ones it is a member of), as
// files.info allows.
func (s *Server) fileVisibleLocked(sf *storedFile) bool {
	if sf.owner == botUserID {
		return true
	}
	return slices.ContainsFunc(sf.channels, func(id string) bool { return s.visibleChannelLocked(id, false) != nil })
}

// serveSignIn is the workspace page Slack sends browsers, and token-less file downloads, to.
func (s *Server) serveSignIn(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, "<!DOCTYPE html><html lang=\"en-US\"><head><title>Sign in | Slack</title></head>"+
		"<body><h1>Sign in to %s</h1></body></html>\n", teamDomain)
}

// fileTypes returns a file's mimetype and Slack filetype from its name. The table keeps the
// answer the same on every machine; mime.TypeByExtension reads the system's tables.
func fileTypes(name string) (mimetype, filetype string) {
	ext := strings.ToLower(strings.TrimPrefix(path.Ext(name), "."))
	known := map[string][2]string{
		"txt": {"text/plain", "text"}, "log": {"text/plain", "text"},
		"md": {"text/markdown", "markdown"}, "csv": {"text/csv", "csv"},
		"json": {"application/json", "json"}, "yaml": {"application/x-yaml", "yaml"},
		"yml": {"application/x-yaml", "yaml"}, "html": {"text/html", "html"},
		"png": {"image/png", "png"}, "jpg": {"image/jpeg", "jpg"}, "jpeg": {"image/jpeg", "jpg"},
		"gif": {"image/gif", "gif"}, "pdf": {"application/pdf", "pdf"}, "zip": {"application/zip", "zip"},
	}
	if t, ok := known[ext]; ok {
		return t[0], t[1]
	}
	return "application/octet-stream", "binary"
}
