package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/slack-go/slack"
)

// File is a file shared in Slack.
type File struct {
	ID       string
	Name     string
	Title    string
	Mimetype string
	URL      string // url_private: only the bot token, with files:read, may fetch it
	Size     int    // bytes, as Slack reports it
}

// ErrFileTooLarge means Download refused a file larger than its limit.
var ErrFileTooLarge = errors.New("file is larger than the download limit")

func sharedFiles(fs []slack.File) []File {
	var out []File
	for _, f := range fs {
		out = append(out, File{ID: f.ID, Name: f.Name, Title: f.Title, Mimetype: f.Mimetype, URL: f.URLPrivate, Size: f.Size})
	}
	return out
}

// Upload shares content as a file named filename in a channel (an ID), under threadTS when
// it is set, with comment as the message text above it, and returns the file's ID. It
// uses Slack's three steps (files.getUploadURLExternal, the upload, then
// files.completeUploadExternal: https://docs.slack.dev/messaging/working-with-files), each
// retried on its own so that a rate limit on the last step does not upload twice. The app
// needs files:write and the bot must be in the channel.
func (b *Bot) Upload(ctx context.Context, channelID, threadTS, filename string, content []byte, comment string) (string, error) {
	if len(content) == 0 {
		// files.getUploadURLExternal refuses a length of 0.
		return "", fmt.Errorf("upload %s: the file is empty", filename)
	}
	var ticket *slack.GetUploadURLExternalResponse
	err := b.call(ctx, "files.getUploadURLExternal", func() error {
		var err error
		ticket, err = b.api.GetUploadURLExternalContext(ctx, slack.GetUploadURLExternalParameters{FileName: filename, FileSize: len(content)})
		return err
	})
	if err != nil {
		return "", fmt.Errorf("upload %s: %w", filename, err)
	}
	err = b.call(ctx, "upload_url", func() error {
		return b.api.UploadToURL(ctx, slack.UploadToURLParameters{UploadURL: ticket.UploadURL, Reader: bytes.NewReader(content), Filename: filename})
	})
	if err != nil {
		return "", fmt.Errorf("upload %s: %w", filename, err)
	}
	err = b.call(ctx, "files.completeUploadExternal", func() error {
		_, err := b.api.CompleteUploadExternalContext(ctx, slack.CompleteUploadExternalParameters{
			Files:   []slack.FileSummary{{ID: ticket.FileID, Title: filename}},
			Channel: channelID, ThreadTimestamp: threadTS, InitialComment: comment,
		})
		return err
	})
	if err != nil {
		return "", fmt.Errorf("share %s in %s: %w", filename, channelID, err)
	}
	return ticket.FileID, nil
}

// Download fetches a file's url_private with the bot token. A file over limit bytes (limit
// must be positive) fails with ErrFileTooLarge, before any byte is fetched when its Size
// says so, and as soon as limit is passed otherwise. The app needs files:read: without it,
// or for a file the bot cannot see, Slack answers a sign-in page, which Download reports
// as an error instead of returning it. Rate limits are waited out while ctx lasts.
func (b *Bot) Download(ctx context.Context, f File, limit int64) ([]byte, error) {
	switch {
	case limit <= 0:
		return nil, fmt.Errorf("download %s: limit %d, want a positive number of bytes", f.Name, limit)
	case f.URL == "":
		return nil, fmt.Errorf("download %s (%s): no url_private", f.Name, f.ID)
	case int64(f.Size) > limit:
		return nil, fmt.Errorf("download %s (%d bytes, limit %d): %w", f.Name, f.Size, limit, ErrFileTooLarge)
	}
	var buf *capped
	err := b.call(ctx, "url_private", func() error {
		buf = &capped{max: limit}
		return b.api.GetFileContext(ctx, f.URL, buf)
	})
	if err != nil {
		return nil, fmt.Errorf("download %s (%s): %w", f.Name, f.ID, err)
	}
	return buf.b.Bytes(), nil
}

// capped is a buffer that refuses to grow past max bytes, for files whose Size was wrong.
type capped struct {
	b   bytes.Buffer
	max int64
}

func (c *capped) Write(p []byte) (int, error) {
	if int64(c.b.Len()+len(p)) > c.max {
		return 0, fmt.Errorf("more than %d bytes: %w", c.max, ErrFileTooLarge)
	}
	return c.b.Write(p)
}
