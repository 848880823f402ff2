package budget

import "time"

// Gate is the release decision across all objectives.
type Gate struct {
	// Allowed is false when any non-advisory objective's budget is
	// exhausted.
	Allowed bool
	// Reasons name the objectives that freeze releases.
	Reasons []GateReason
	// Unjudged name the non-advisory objectives the policy cannot judge
	// yet: the period holds fewer events than its minimum, so they let a
	// release through whatever those events say.
	Unjudged []Unjudged
}

// Unjudged is one objective (or group) the policy cannot judge yet.
type Unjudged struct {
	Objective string
	Group     string
	// Events counts the events of the period so far (for a time-slice
	// objective, its counted slices, which the policy judges);
	// EventsNeeded is the policy's minimum (Status.PolicyMinEvents).
	Events, EventsNeeded int64
	// Slices reports that Events and EventsNeeded count closed slices,
	// not events: a time-slice objective's policy judges its slices.
	Slices bool
}

// GateReason is one objective (or group) that freezes releases.
type GateReason struct {
	Objective string
	Group     string
	State     PolicyState
	Remaining Float
}

// GateOf returns the release decision that statuses imply: Gate without
// computing them again.
func GateOf(statuses []Status) Gate {
	g := Gate{Allowed: true, Reasons: []GateReason{}, Unjudged: []Unjudged{}}
	for i := range statuses {
		st := &statuses[i]
		if !st.ReleaseAllowed {
			g.Allowed = false
			g.Reasons = append(g.Reasons, GateReason{Objective: st.Objective.Name, Group: st.Group, State: st.PolicyState, Remaining: st.Remaining})
		}
		if st.PolicyReason == ReasonInsufficientEvents && !st.Objective.Advisory {
			u := Unjudged{Objective: st.Objective.Name, Group: st.Group, Events: st.Total(), EventsNeeded: st.PolicyMinEvents}
			if b := st.Slices; b != nil {
				if st.Objective.GroupBy != "" && !st.Overall {
					continue // its overall entry is judged for the objective
				}
				u.Events, u.Slices = b.Good+b.Bad, true
			}
			g.Unjudged = append(g.Unjudged, u)
		}
	}
	return g
}

// Gate returns the release decision at the tracker's clock.
func (t *Tracker) Gate() Gate { return t.GateAt(t.now()) }

// GateAt returns the release decision at now. A caller that already holds
// the statuses (an endpoint serving both) uses GateOf instead.
func (t *Tracker) GateAt(now time.Time) Gate { return GateOf(t.StatusAt(now)) }
