package call

import (
	"time"

	"github.com/attest-dev/attest/internal/relay"
	"github.com/attest-dev/attest/internal/workflow"
)

// Server message types.
const (
	TypeWelcome  = "welcome"
	TypeQueue    = "queue"
	TypeFloor    = "floor"
	TypeCall     = "call"
	TypePeer     = "peer"
	TypeEnded    = "ended"
	TypeReplaced = "replaced"
	// TypeChallenge carries one live-check challenge to the freelancer's
	// page, when the agent shows it.
	TypeChallenge = "challenge"
	TypeError     = "error"
	TypePong      = "pong"
)

// ServerMessage is anything the server sends. Fields not set for a type
// are left out. Offered, with a peer message to the agent's page: the
// peer's page has been handed the offer that page's take carried.
type ServerMessage struct {
	V          int                 `json:"v"`
	Type       string              `json:"type"`
	Role       string              `json:"role,omitempty"`
	ICEServers []relay.ICEServer   `json:"ice_servers,omitempty"`
	RelayOnly  bool                `json:"relay_only,omitempty"`
	Call       *CallInfo           `json:"call,omitempty"`
	Queue      *QueueInfo          `json:"queue,omitempty"`
	Floor      *FloorInfo          `json:"floor,omitempty"`
	Present    *bool               `json:"present,omitempty"`
	Offered    bool                `json:"offered,omitempty"`
	Session    string              `json:"session,omitempty"`
	From       string              `json:"from,omitempty"`
	At         *time.Time          `json:"at,omitempty"`
	SDP        *SessionDescription `json:"sdp,omitempty"`
	Candidate  *ICECandidate       `json:"candidate,omitempty"`
	Text       string              `json:"text,omitempty"`
	Level      string              `json:"level,omitempty"`
	Status     string              `json:"status,omitempty"`
	Challenge  *ChallengeInfo      `json:"challenge,omitempty"`
	Virtual    string              `json:"virtual,omitempty"`
	Injected   []string            `json:"injected,omitempty"`
	Sharing    *bool               `json:"sharing,omitempty"`
	Error      *ProtocolError      `json:"error,omitempty"`
}

// CallInfo tells each side who and what the call is about. The freelancer
// learns the agent's first name only; the agent learns the claims and the
// reason, nothing about the person's looks.
type CallInfo struct {
	VerificationID string    `json:"verification_id"`
	StartedAt      time.Time `json:"started_at"`
	AgentName      string    `json:"agent_name,omitempty"`
	AgentCamera    bool      `json:"agent_camera"`
	PeerPresent    bool      `json:"peer_present"`
	PeerSession    string    `json:"peer_session,omitempty"`
}

// ChallengeInfo is one live-check challenge as the freelancer's page shows
// it, in their language: Text in full, and for a phrase to read aloud the
// Phrase within it, for the page to set apart.
type ChallengeInfo struct {
	Key    string `json:"key"`
	Text   string `json:"text"`
	Phrase string `json:"phrase,omitempty"`
	Lang   string `json:"lang"`
}

func challengeInfo(s workflow.ShownChallenge) ChallengeInfo {
	return ChallengeInfo{Key: s.Key, Text: s.Text, Phrase: s.Phrase, Lang: s.Lang}
}

// QueueInfo is a waiting freelancer's place.
type QueueInfo struct {
	Position     int  `json:"position"`
	EtaSeconds   *int `json:"eta_seconds"`
	AgentsOnline int  `json:"agents_online"`
}

// FloorInfo is what agents see of the queue.
type FloorInfo struct {
	Waiting            int `json:"waiting"`
	LongestWaitSeconds int `json:"longest_wait_seconds"`
	AgentsOnline       int `json:"agents_online"`
}

func msg(typ string) ServerMessage { return ServerMessage{V: Version, Type: typ} }
