package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/tacoma-bot/tacoma/bot"
	"github.com/tacoma-bot/tacoma/bot/slackemu"
	"github.com/tacoma-bot/tacoma/handlers"
	"github.com/tacoma-bot/tacoma/knowledge"
)

const (
	playgroundChannel = "inc-playground"
	replyTimeout      = 10 * time.Second
)

// handled is what the playground learns from the bot about one message: whether it answered.
type handled struct {
	ts      string
	replied bool
}

// observed wraps the real handler so that the playground knows when the bot has decided about a
// message, instead of guessing with a timeout.
type observed struct {
	bot.Handler
	done chan handled
}

func (o observed) HandleMessage(ctx context.Context, m bot.Message) (*bot.Reply, error) {
	r, err := o.Handler.HandleMessage(ctx, m)
	select {
	case o.done <- handled{ts: m.TS, replied: r != nil && err == nil}:
	case <-ctx.Done():
	}
	return r, err
}

// playground runs the real bot against the in-repo Slack emulator and lets a person type into an
// incident channel. Lines are messages; "/tacoma ..." runs the slash command; "helpful N" and
// "not relevant N" click the feedback buttons of the Nth story of the last suggestion.
func playground(ctx context.Context, e env, c config, h bot.Handler, idx *knowledge.Index, attach func(handlers.Slack) error, log *zap.Logger) error {
	emu := slackemu.New(slackemu.WithLogger(log.Named("slackemu")), slackemu.WithOnUnknown(func(method string) {
		log.Error("the bot called a Web API method the emulator does not know", zap.String("method", method))
	}))
	if err := emu.Start(); err != nil {
		return fmt.Errorf("start slack emulator: %w", err)
	}
	defer emu.Close()
	app := emu.App()
	you := emu.AddUser("you", "You (responder)")
	ch := emu.AddChannel(playgroundChannel, you.ID, app.BotUserID)

	obs := observed{Handler: h, done: make(chan handled)}
	cfg := c.botConfig()
	cfg.AppToken, cfg.BotToken, cfg.APIURL = bot.Secret(app.AppToken), bot.Secret(app.BotToken), emu.APIURL()
	b, err := bot.New(cfg, obs, log.Named("bot"))
	if err != nil {
		return err
	}
	if err := attach(b); err != nil {
		return err
	}
	botCtx, stopBot := context.WithCancel(ctx)
	botDone := make(chan error, 1)
	go func() { botDone <- b.Run(botCtx) }()
	defer func() { stopBot(); <-botDone }()
	waitCtx, cancel := context.WithTimeout(ctx, replyTimeout)
	err = emu.WaitConnections(waitCtx, 1)
	cancel()
	if err != nil {
		return fmt.Errorf("the bot did not connect to the emulator: %w", err)
	}

	fmt.Fprintf(e.stderr, "Tacoma playground: %d failure stories loaded.\n", len(idx.Catalog().Stories()))
	fmt.Fprintln(e.stderr, "No Slack workspace: SLACK_APP_TOKEN (xapp-...) and SLACK_BOT_TOKEN (xoxb-...) are not set, so the bot is connected to")
	fmt.Fprintln(e.stderr, "Tacoma's built-in Slack emulator instead. Set both (and TACOMA_SLACK_API_URL for GovSlack or a proxy) to run in a workspace.")
	fmt.Fprintf(e.stderr, "You are in #%s. Type what a responder would post; /tacoma help lists commands;\n", playgroundChannel)
	fmt.Fprintln(e.stderr, "\"helpful N\" or \"not relevant N\" rates the Nth suggested story; @tacoma asks even when Tacoma would stay quiet. Ctrl-D ends.")

	p := &session{e: e, emu: emu, user: you.ID, channel: ch.ID, app: app, done: obs.done, interactive: isTerminal(e.stdin), dataDir: c.DataDir, filesShown: map[string]bool{}}
	return p.loop(ctx)
}

type session struct {
	e           env
	emu         *slackemu.Server
	user        string
	channel     string
	app         slackemu.App
	done        chan handled
	interactive bool
	lastReply   slackemu.Message // the last suggestion, for "helpful N"
	dataDir     string
	filesShown  map[string]bool // ts of the bot's messages whose files were saved
}

func (p *session) loop(ctx context.Context) error {
	sc := bufio.NewScanner(p.e.stdin)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for {
		if p.interactive {
			fmt.Fprint(p.e.stdout, "> ")
		}
		if !sc.Scan() {
			break
		}
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if !p.interactive {
			fmt.Fprintf(p.e.stdout, "> %s\n", line)
		}
		var err error
		switch {
		case strings.HasPrefix(line, "/"):
			err = p.command(ctx, line)
		case strings.HasPrefix(strings.ToLower(line), "helpful "), strings.HasPrefix(strings.ToLower(line), "not relevant "):
			err = p.click(ctx, line)
		default:
			err = p.say(ctx, line)
		}
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			fmt.Fprintf(p.e.stdout, "  (%v)\n", err)
		}
	}
	if err := sc.Err(); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read input: %w", err)
	}
	return nil
}

func (p *session) say(ctx context.Context, line string) error {
	text := strings.ReplaceAll(line, "@tacoma", "<@"+p.app.BotUserID+">")
	ts, err := p.emu.Post(p.user, p.channel, text)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, replyTimeout)
	defer cancel()
	for {
		select {
		case h := <-p.done:
			if h.ts != ts {
				continue
			}
			if !h.replied {
				fmt.Fprintln(p.e.stdout, "  (Tacoma stays quiet: this does not read like a failure it knows. Add @tacoma to ask anyway.)")
				return nil
			}
			msg, err := p.emu.WaitMessage(ctx, func(m slackemu.Message) bool { return m.ThreadTS == ts && m.BotID == p.app.BotID })
			if err != nil {
				return fmt.Errorf("no reply arrived: %w", err)
			}
			p.lastReply = msg
			p.show("Tacoma, in thread", msg.Text, msg.Blocks)
			return nil
		case <-ctx.Done():
			return fmt.Errorf("the bot did not answer within %s", replyTimeout)
		}
	}
}

func (p *session) command(ctx context.Context, line string) error {
	name, text, _ := strings.Cut(line, " ")
	call, err := p.emu.Command(p.user, p.channel, name, text)
	if err != nil {
		return err
	}
	return p.awaitResponse(ctx, call, "Tacoma, only you see this")
}

func (p *session) click(ctx context.Context, line string) error {
	fields := strings.Fields(strings.ToLower(line))
	action := "tacoma_helpful"
	if fields[0] == "not" {
		action = "tacoma_not_relevant"
	}
	n, err := strconv.Atoi(fields[len(fields)-1])
	if err != nil || n < 1 {
		return fmt.Errorf("which story? say \"helpful 1\" for the first suggestion")
	}
	values := buttonValues(p.lastReply.Blocks, action)
	if n > len(values) {
		return fmt.Errorf("the last suggestion has %d stories", len(values))
	}
	call, err := p.emu.Click(p.user, p.channel, p.lastReply.TS, action, values[n-1])
	if err != nil {
		return err
	}
	return p.awaitResponse(ctx, call, "Tacoma, only you see this")
}

func (p *session) awaitResponse(ctx context.Context, call *slackemu.CommandCall, label string) error {
	ctx, cancel := context.WithTimeout(ctx, replyTimeout)
	defer cancel()
	if _, err := call.Wait(ctx); err != nil {
		return fmt.Errorf("the bot did not acknowledge: %w", err)
	}
	for {
		if rs := call.Responses(); len(rs) > 0 {
			for _, raw := range rs {
				var r struct {
					Text   string          `json:"text"`
					Blocks json.RawMessage `json:"blocks"`
				}
				if err := json.Unmarshal(raw, &r); err != nil {
					return fmt.Errorf("unreadable response: %w", err)
				}
				p.show(label, r.Text, r.Blocks)
			}
			return p.showFiles()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the bot did not answer within %s", replyTimeout)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// showFiles saves the files Tacoma shared in the channel since the last look (postmortem
// drafts) into the data folder, where a person at the terminal can open them.
func (p *session) showFiles() error {
	for _, m := range p.emu.Messages(p.channel) {
		if m.BotID != p.app.BotID || p.filesShown[m.TS] {
			continue
		}
		for _, f := range m.Files {
			p.filesShown[m.TS] = true
			path := filepath.Join(p.dataDir, "playground", filepath.Base(f.Name))
			if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
				return err
			}
			if err := os.WriteFile(path, f.Content, 0o640); err != nil {
				return err
			}
			fmt.Fprintf(p.e.stdout, "  ↳ Tacoma shared %s in the channel (saved to %s):\n", f.Name, path)
			for _, l := range strings.Split(m.Text, "\n") {
				fmt.Fprintf(p.e.stdout, "    %s\n", l)
			}
		}
	}
	return nil
}

func (p *session) show(label, text string, blocks json.RawMessage) {
	body, err := bot.BlocksText(blocks)
	if err != nil || body == "" {
		body = text
	}
	fmt.Fprintf(p.e.stdout, "  ↳ %s:\n", label)
	for _, l := range strings.Split(body, "\n") {
		fmt.Fprintf(p.e.stdout, "    %s\n", l)
	}
}

// buttonValues lists, in order, the values of the buttons with actionID in a message's blocks.
func buttonValues(blocks json.RawMessage, actionID string) []string {
	var bs []struct {
		Type     string `json:"type"`
		Elements []struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		} `json:"elements"`
	}
	if err := json.Unmarshal(blocks, &bs); err != nil {
		return nil
	}
	var out []string
	for _, b := range bs {
		for _, el := range b.Elements {
			if b.Type == "actions" && el.ActionID == actionID {
				out = append(out, el.Value)
			}
		}
	}
	return out
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
