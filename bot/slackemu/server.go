package slackemu

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/zap"
)

// Errors returned by the control methods.
var (
	// ErrClosed is returned by control methods called after Close.
	ErrClosed = errors.New("slackemu: server closed")
	// ErrNotAcked means a slash command or interaction was not acked within the ack
	// timeout. Slack shows the user an "operation_timeout" error in that case.
	ErrNotAcked = errors.New("slackemu: envelope not acked within the ack timeout")
	// ErrNoConnection means the app had no open Socket Mode connection, so Slack could
	// not dispatch a slash command or interaction (the user sees "dispatch_failed").
	ErrNoConnection = errors.New("slackemu: no socket mode connection (dispatch_failed)")
)

// Workspace and app identity. The IDs are fixed so that golden files stay stable.
const (
	teamID     = "T0TACOMA"
	teamDomain = "tacoma-dev"
	appID      = "A0TACOMA01"
	appName    = "Tacoma"
	botID      = "B0TACOMA01"
	botUserID  = "U0TACOMA01"
	botName    = "tacoma"
)

// App is the Slack app installed in the emulated workspace: its IDs, its two tokens
// and the bot scopes it was granted.
type App struct {
	ID        string
	Name      string
	AppToken  string // xapp-: opens Socket Mode connections, nothing else
	BotToken  string // xoxb-: every other Web API method
	BotUserID string
	BotID     string
	Scopes    []string
}

// Server is an emulated Slack workspace with one app. It is safe for concurrent use.
// Create it with New, call Start, and call Close when done; Close waits for every
// goroutine the server started.
type Server struct {
	cfg      config
	log      *zap.Logger
	app      App
	upgrader websocket.Upgrader
	methods  map[string]method

	kick      chan struct{} // size 1: wakes the delivery loop; a pending wake is enough
	done      chan struct{} // closed when Close starts
	closeDone chan struct{} // closed when Close has finished; closeErr is set before
	closeErr  error
	wg        sync.WaitGroup

	// mu guards everything below, the workspace, the sockets and the envelopes. Blocking
	// work (socket writes, user callbacks) never runs under it.
	mu       sync.Mutex
	started  bool
	closed   bool
	ln       net.Listener
	http     *http.Server
	baseURL  string // "http://127.0.0.1:PORT"
	changed  chan struct{}
	lastTS   int64
	seq      map[string]int
	users    map[string]*User
	userList []string
	channels map[string]*channel
	chanList []string
	bots     map[string]string // other apps' bot name -> bot ID (PostAsBot)
	uploads  map[string]*upload
	files    map[string]*storedFile // shared files by ID, served at their url_private
	hooks    map[string]*responseURL
	calls    map[string]int
	checks   map[ScopeCheck]int // every scope check made, for ScopeChecks
	faults   map[string][]fault
	lostAcks int // acks still to lose, as if the network dropped them (LoseAcks)
	held     socketFaults
	limiter  limiter
	sockets  socketSet
	closes   SocketCloses
	queue    envelopeQueue
}

// New returns an unstarted Server for workspace T0TACOMA "tacoma-dev" with one app
// whose bot user is "tacoma".
func New(opts ...Option) *Server {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	s := &Server{
		cfg: cfg,
		log: cfg.log.Named("slackemu"),
		app: App{
			ID:        appID,
			Name:      appName,
			AppToken:  "xapp-1-" + appID + "-" + randomHex(16),
			BotToken:  "xoxb-" + randomHex(4) + "-" + randomHex(6) + "-" + randomHex(12),
			BotUserID: botUserID,
			BotID:     botID,
			Scopes:    append([]string(nil), cfg.scopes...),
		},
		upgrader: websocket.Upgrader{
			// slack-go sends Origin: https://api.slack.com, which the default check
			// rejects because it differs from the Host header (slack-protocol.md §0).
			CheckOrigin: func(*http.Request) bool { return true },
		},
		kick:      make(chan struct{}, 1),
		done:      make(chan struct{}),
		closeDone: make(chan struct{}),
		changed:   make(chan struct{}),
		seq:       map[string]int{},
		users:     map[string]*User{},
		channels:  map[string]*channel{},
		bots:      map[string]string{},
		uploads:   map[string]*upload{},
		files:     map[string]*storedFile{},
		hooks:     map[string]*responseURL{},
		calls:     map[string]int{},
		checks:    map[ScopeCheck]int{},
		faults:    map[string][]fault{},
		held:      socketFaults{delays: map[string][]time.Duration{}},
		limiter:   newLimiter(cfg.rateLimits),
	}
	s.methods = methodTable()
	s.users[botUserID] = &User{ID: botUserID, Name: botName, RealName: appName, TZ: "UTC", IsBot: true, BotID: botID}
	s.userList = append(s.userList, botUserID)
	s.sockets.init()
	s.queue.init()
	return s
}

// Start listens on 127.0.0.1:0 (or the WithAddr address) and serves the Web API, the
// Socket Mode WebSocket, file uploads and response URLs. It returns once the listener
// is open.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if s.started {
		return errors.New("slackemu: already started")
	}
	ln, err := net.Listen("tcp", s.cfg.addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", s.cfg.addr, err)
	}
	s.ln = ln
	s.baseURL = "http://" + ln.Addr().String()
	s.http = &http.Server{Handler: s.routes(), ReadHeaderTimeout: 10 * time.Second}
	s.started = true
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("serve", zap.Error(err))
		}
	}()
	go func() {
		defer s.wg.Done()
		s.deliveryLoop()
	}()
	s.log.Info("listening", zap.String("api_url", s.baseURL+"/api/"))
	return nil
}

// Close sends a close frame on every Socket Mode connection, stops serving and waits
// for every goroutine the server started. Control methods return ErrClosed afterwards.
// Every call waits for the first to finish and returns its result.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		<-s.closeDone
		return s.closeErr
	}
	s.closed = true
	close(s.done)
	for _, sock := range s.sockets.all() {
		s.sockets.remove(sock)
		sock.shutdown(websocket.CloseGoingAway, "server closing")
	}
	srv := s.http
	s.mu.Unlock()

	var err error
	if srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err = srv.Shutdown(ctx); err != nil {
			err = fmt.Errorf("shutdown: %w", err)
			_ = srv.Close()
		}
	}
	s.wg.Wait()
	s.closeErr = err
	close(s.closeDone)
	return err
}

// APIURL returns the Web API base URL, "http://127.0.0.1:PORT/api/", with the trailing
// slash that slack.OptionAPIURL needs. It is empty before Start.
func (s *Server) APIURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.baseURL == "" {
		return ""
	}
	return s.baseURL + "/api/"
}

// App returns the installed app: IDs, tokens and granted scopes.
func (s *Server) App() App {
	a := s.app
	a.Scopes = append([]string(nil), s.app.Scopes...)
	return a
}

// routes builds the HTTP mux: /api/ for the Web API, /link/ for Socket Mode, /upload/
// for file uploads, /files-pri/ for url_private downloads, / for the sign-in page those
// redirect to, /hooks/ for response URLs. Anything else is a 404 and logged.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/api/", s.serveAPI)
	mux.HandleFunc("/link/", s.serveLink)
	mux.HandleFunc("/upload/v1/", s.serveUpload)
	mux.HandleFunc("/files-pri/", s.serveFile)
	mux.HandleFunc("/{$}", s.serveSignIn)
	mux.HandleFunc("/hooks/", s.serveHook)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.log.Warn("unhandled path", zap.String("path", r.URL.Path))
		http.NotFound(w, r)
	})
	return mux
}

// notifyLocked wakes WaitMessage callers after a workspace change.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// wake asks the delivery loop to look at the queue again.
func (s *Server) wake() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// nextSeqLocked returns the next number of a kind of ID (1, 2, ...). Each kind
// counts apart, so that user and channel IDs depend only on the order of AddUser and
// AddChannel calls, which keeps golden files stable.
func (s *Server) nextSeqLocked(kind string) int {
	s.seq[kind]++
	return s.seq[kind]
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}
