package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/tacoma-bot/tacoma/knowledge/alert"
)

// GroupStore keeps alert groups where several replicas see them: a delivery to any replica is
// folded into the one stored state, and one replica at a time writes the group's Slack message.
type GroupStore interface {
	// UpdateGroup runs fn on the group's state (nil at first) while other replicas wait, and
	// saves what fn returns with whether the group has news not yet shown.
	UpdateGroup(ctx context.Context, id string, fn func(state []byte) ([]byte, bool, error)) error
	// PendingGroups lists groups with news unshown for longer than quiet.
	PendingGroups(ctx context.Context, quiet time.Duration, limit int) ([]string, error)
}

// Shared groups: how long news may wait before another replica shows it, and how often to look.
const (
	pendingQuiet = 5 * time.Second
	pendingPoll  = 3 * time.Second
)

// ShareGroups keeps alert groups in gs instead of this process's memory, for several replicas.
// Call it before Run.
func (a *Alerts) ShareGroups(gs GroupStore) { a.shared = gs }

// storedGroup is a group's state as replicas share it.
type storedGroup struct {
	ChannelID  string                 `json:"channel_id,omitempty"`
	TS         string                 `json:"ts,omitempty"`
	Alerts     map[string]alert.Alert `json:"alerts"`
	Order      []string               `json:"order"`
	Last       *alert.Group           `json:"last"`
	ResolvedAt time.Time              `json:"resolved_at,omitzero"`
	Version    int                    `json:"version"` // changes folded in
	Shown      int                    `json:"shown"`   // the version the Slack message shows
}

func decodeGroup(b []byte) (*storedGroup, error) {
	sg := &storedGroup{Alerts: map[string]alert.Alert{}}
	if len(b) == 0 {
		return sg, nil
	}
	if err := json.Unmarshal(b, sg); err != nil {
		return nil, fmt.Errorf("alert group state: %w", err)
	}
	if sg.Alerts == nil {
		sg.Alerts = map[string]alert.Alert{}
	}
	return sg, nil
}

// view is the group as the message renderer reads it.
func (sg *storedGroup) view() *groupState {
	return &groupState{channelID: sg.ChannelID, ts: sg.TS, alerts: sg.Alerts, order: sg.Order, last: sg.Last, resolvedAt: sg.ResolvedAt}
}

func (sg *storedGroup) keep(st *groupState) {
	sg.ChannelID, sg.TS, sg.Alerts, sg.Order, sg.Last, sg.ResolvedAt = st.channelID, st.ts, st.alerts, st.order, st.last, st.resolvedAt
}

// acceptShared folds a delivery into the stored group before the sender hears 202, so that a
// replica dying afterwards loses nothing, then schedules this replica to show it.
func (a *Alerts) acceptShared(ctx context.Context, g *alert.Group) error {
	id := groupID(g)
	news := false
	err := a.shared.UpdateGroup(ctx, id, func(b []byte) ([]byte, bool, error) {
		sg, err := decodeGroup(b)
		if err != nil {
			return nil, false, err
		}
		st := sg.view()
		if st.ts != "" && !st.resolvedAt.IsZero() && a.now().Sub(st.resolvedAt) > refireAfter && g.Status == alert.Firing {
			st = &groupState{alerts: map[string]alert.Alert{}} // an old, resolved incident: start afresh
			sg = &storedGroup{Version: sg.Version, Shown: sg.Version}
		}
		if st.merge(g, a.now()) || (st.ts == "" && sg.Version == 0) {
			sg.Version++
		}
		sg.keep(st)
		news = sg.Version > sg.Shown
		out, err := json.Marshal(sg)
		return out, news, err
	})
	if err != nil || !news {
		return err
	}
	a.schedule(id)
	return nil
}

// schedule queues a flush of id unless one is queued or running here; a full queue is fine: the
// news is stored, and the pending sweep shows it.
func (a *Alerts) schedule(id string) {
	a.mu.Lock()
	st, ok := a.groups[id]
	if !ok {
		st = &groupState{}
		a.groups[id] = st
	}
	a.mu.Unlock()
	st.mu.Lock()
	defer st.mu.Unlock()
	switch {
	case st.busy:
		st.dirty = true
	case !st.queued:
		select {
		case a.queue <- id:
			st.queued = true
		default:
		}
	}
}

// flushShared writes the stored group's news to Slack while holding the group: the first replica
// posts, the others find nothing left to show.
func (a *Alerts) flushShared(ctx context.Context, id string) {
	err := a.shared.UpdateGroup(ctx, id, func(b []byte) ([]byte, bool, error) {
		sg, err := decodeGroup(b)
		if err != nil {
			return nil, false, err
		}
		if sg.Version <= sg.Shown || sg.Last == nil {
			return b, false, nil
		}
		st := sg.view()
		log := a.log.With(zap.String("sender", string(sg.Last.Format)), zap.String("group", sg.Last.Key))
		switch {
		case st.ts == "" && st.firing() == 0:
			// a resolve for a group never shown: nothing to show
		case st.ts == "":
			a.post(ctx, st, sg.Last, a.groupMessage(st), log)
			if st.ts == "" {
				return b, true, nil // not posted: stays pending for a retry
			}
		default:
			if err := a.poster.Update(ctx, st.channelID, st.ts, a.groupMessage(st)); err != nil {
				log.Warn("alert message not updated", zap.Error(err))
				return b, true, nil
			}
		}
		sg.keep(st)
		sg.Shown = sg.Version
		out, err := json.Marshal(sg)
		return out, false, err
	})
	if err != nil && ctx.Err() == nil {
		a.log.Warn("alert group not shown", zap.Error(err))
	}
}

// flushSharedLoop runs flushShared until no delivery came in meanwhile, with the same local
// coalescing as a single replica.
func (a *Alerts) flushSharedLoop(ctx context.Context, id string) {
	a.mu.Lock()
	st := a.groups[id]
	a.mu.Unlock()
	coalesce(ctx, st, func() bool {
		st.mu.Unlock()
		a.flushShared(ctx, id)
		st.mu.Lock()
		return true
	})
}

// sweepPending shows the groups whose news waited too long: accepted by a replica that died
// before showing them, or not shown because Slack failed.
func (a *Alerts) sweepPending(ctx context.Context) {
	t := time.NewTicker(pendingPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		ids, err := a.shared.PendingGroups(ctx, pendingQuiet, 100)
		if err != nil {
			if ctx.Err() == nil {
				a.log.Warn("pending alert groups not read", zap.Error(err))
			}
			continue
		}
		for _, id := range ids {
			a.flushShared(ctx, id)
		}
	}
}
