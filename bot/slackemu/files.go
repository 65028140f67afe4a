package slackemu

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"path"
	"strconv"
	"strings"

	"go.uber.org/zap"
)

const (
	maxFileSize  = 1 << 30 // files.getUploadURLExternal: file_upload_size_restricted above 1 GB
	maxUploadRAM = 64 << 20
	maxAltTxt    = 1000
)

// upload is a file between files.getUploadURLExternal and files.completeUploadExternal.
type upload struct {
	file      *File
	declared  int
	uploaded  bool
	completed bool
}

func (s *Server) filesGetUploadURL(req *apiRequest) (obj, *apiError) {
	name, length := req.arg("filename"), req.arg("length")
	var missing []string
	if name == "" {
		missing = append(missing, "[ERROR] missing required field: filename")
	}
	if length == "" {
		missing = append(missing, "[ERROR] missing required field: length")
	}
	if len(missing) > 0 {
		return nil, &apiError{code: "invalid_arguments", messages: missing}
	}
	n, err := strconv.Atoi(length)
	if err != nil || n <= 0 {
		return nil, &apiError{code: "invalid_arguments", messages: []string{"[ERROR] invalid value for length: " + length}}
	}
	if n > maxFileSize {
		return nil, errCode("file_upload_size_restricted")
	}
	if len([]rune(req.arg("alt_txt"))) > maxAltTxt {
		return nil, errCode("alt_txt_too_large")
	}
	id := fmt.Sprintf("F%08d", s.nextSeqLocked("file"))
	mt, ft := fileTypes(name)
	s.uploads[id] = &upload{file: &File{ID: id, Name: name, Title: name, Mimetype: mt, Filetype: ft}, declared: n}
	// slack-go sends the token only to upload URLs on the API's scheme and host
	// (misc.go ensureURLMayReceiveToken), so the URL must be on this server.
	return obj{"upload_url": s.baseURL + "/upload/v1/" + id, "file_id": id}, nil
}

// serveUpload receives the file bytes: multipart (any field name; slack-go uses
// "file", Grafana "filename") or a raw body. The URL is pre-signed, so a token is
// optional, but a wrong one is refused.
func (s *Server) serveUpload(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	id := path.Base(r.URL.Path)
	if h := r.Header.Get("Authorization"); h != "" && h != "Bearer "+s.app.BotToken {
		http.Error(w, "invalid_auth", http.StatusUnauthorized)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxUploadRAM+1))
	if err != nil || len(body) > maxUploadRAM {
		http.Error(w, "file too large for the emulator", http.StatusRequestEntityTooLarge)
		return
	}
	data := body
	if ct, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "multipart/form-data" {
		if data, err = multipartFile(body, params["boundary"]); err != nil {
			http.Error(w, "invalid multipart body", http.StatusBadRequest)
			return
		}
	}
	s.mu.Lock()
	up := s.uploads[id]
	if up != nil && !up.completed {
		up.file.Content, up.file.Size, up.uploaded = data, len(data), true
	}
	s.mu.Unlock()
	if up == nil {
		http.NotFound(w, r)
		return
	}
	if up.declared != len(data) {
		s.log.Warn("upload size differs from files.getUploadURLExternal length",
			zap.String("file", id), zap.Int("declared", up.declared), zap.Int("received", len(data)))
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "OK - %d", len(data))
}

// filesCompleteUpload shares uploaded files, as a message with files, into a channel
// (and thread); without a channel they stay private.
func (s *Server) filesCompleteUpload(req *apiRequest) (obj, *apiError) {
	var files []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if err := json.Unmarshal([]byte(req.arg("files")), &files); err != nil || len(files) == 0 {
		return nil, &apiError{code: "invalid_arguments", messages: []string{"[ERROR] missing required field: files"}}
	}
	var ups []*upload
	for _, f := range files {
		up := s.uploads[f.ID]
		if up == nil || !up.uploaded || up.completed {
			return nil, errCode("file_not_found")
		}
		ups = append(ups, up)
	}
	var targets []*channel
	refs := strings.FieldsFunc(req.arg("channels"), func(r rune) bool { return r == ',' })
	if id := req.arg("channel_id"); id != "" {
		refs = append([]string{id}, refs...)
	}
	for _, ref := range refs {
		ch, e := s.postTargetLocked(ref, false)
		if e != nil {
			return nil, e
		}
		targets = append(targets, ch)
	}
	var c content
	if req.arg("initial_comment") == "" && !isEmptyJSONList(req.arg("blocks")) {
		var e *apiError
		if c.blocks, e = parseBlocks(req.arg("blocks"), files[0].ID); e != nil {
			return nil, e
		}
	}
	c.text = req.arg("initial_comment")
	threads := make([]string, len(targets))
	for i, ch := range targets {
		t, e := threadLocked(ch, req.arg("thread_ts"))
		if e != nil {
			return nil, e
		}
		threads[i] = t
	}
	out := make([]obj, 0, len(files))
	shared := make([]*File, 0, len(ups))
	for i, up := range ups {
		up.completed = true
		if files[i].Title != "" {
			up.file.Title = files[i].Title
		}
		shared = append(shared, up.file)
		out = append(out, obj{"id": up.file.ID, "title": up.file.Title})
	}
	ids := make([]string, len(targets))
	for i, ch := range targets {
		ids[i] = ch.ID
	}
	for _, f := range shared {
		s.files[f.ID] = &storedFile{file: f, owner: botUserID, channels: ids}
	}
	for i, ch := range targets {
		m := &message{
			ts: s.nextTSLocked(), threadTS: threads[i], user: botUserID, botID: botID, appID: appID,
			subtype: "file_share", text: c.text, blocks: c.blocks, files: shared,
		}
		s.addMessageLocked(ch, m)
		s.emitNewMessageLocked(ch, m)
	}
	return obj{"files": out}, nil
}

// multipartFile returns the first file part of a multipart body, or the first part.
func multipartFile(body []byte, boundary string) ([]byte, error) {
	if boundary == "" {
		return nil, errNoBoundary
	}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	var first []byte
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(p)
		if err != nil {
			return nil, err
		}
		if p.FileName() != "" {
			return data, nil
		}
		if first == nil {
			first = data
		}
	}
	if first == nil {
		return nil, fmt.Errorf("multipart body without parts")
	}
	return first, nil
}

// multipartValues returns the non-file fields of a multipart body.
func multipartValues(body []byte, boundary string) (map[string][]string, error) {
	if boundary == "" {
		return nil, errNoBoundary
	}
	form, err := multipart.NewReader(bytes.NewReader(body), boundary).ReadForm(maxBody)
	if err != nil {
		return nil, err
	}
	defer form.RemoveAll()
	return form.Value, nil
}
