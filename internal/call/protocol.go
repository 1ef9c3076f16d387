// Package call runs the live call's signaling: a WebSocket per browser, a
// room per verification holding the agent and the freelancer, and the
// messages between them. Media never passes through here: it flows peer to
// peer, or through the TURN relay, and is never recorded.
//
// The protocol is written down in docs/SIGNALING.md.
package call

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Version is the protocol version every message carries as "v".
const Version = 1

// Limits on what a browser may send; an SDP is a few kilobytes.
const (
	MaxMessageBytes = 64 << 10
	MaxSDPBytes     = 32 << 10
	MaxCandidate    = 1024
	MaxChatRunes    = 2000
)

// Client message types.
const (
	TypeOffer     = "offer"
	TypeAnswer    = "answer"
	TypeCandidate = "candidate"
	TypeChat      = "chat"
	TypeQuality   = "quality"
	TypePing      = "ping"
	// TypeCamera carries the label of the freelancer's camera, for the
	// agent's hint about a virtual camera (VirtualCameras).
	TypeCamera = "camera"
	// TypeScreen tells the agent's page that the freelancer started or
	// stopped sharing their screen; the picture itself goes over the peer
	// connection, never through the server.
	TypeScreen = "screen"
)

// SessionDescription is RTCSessionDescriptionInit.
type SessionDescription struct {
	Type string `json:"type"`
	SDP  string `json:"sdp"`
}

// ICECandidate is RTCIceCandidateInit.
type ICECandidate struct {
	Candidate        string  `json:"candidate"`
	SDPMid           *string `json:"sdpMid,omitempty"`
	SDPMLineIndex    *uint16 `json:"sdpMLineIndex,omitempty"`
	UsernameFragment *string `json:"usernameFragment,omitempty"`
}

// ClientMessage is anything a browser sends. Which fields it carries
// depends on Type; Decode checks that.
type ClientMessage struct {
	V         int                 `json:"v"`
	Type      string              `json:"type"`
	SDP       *SessionDescription `json:"sdp,omitempty"`
	Candidate *ICECandidate       `json:"candidate,omitempty"`
	Text      string              `json:"text,omitempty"`
	Level     string              `json:"level,omitempty"`
	Label     string              `json:"label,omitempty"`
	// Injected lists the signs that the camera track looks injected
	// (InjectedSigns), with a camera message.
	Injected []string `json:"injected,omitempty"`
	// Sharing says, with a screen message, whether the freelancer's screen
	// is being shared from now on.
	Sharing *bool `json:"sharing,omitempty"`
}

// ProtocolError is what the server answers a bad message with, as an
// "error" message: the connection stays open.
type ProtocolError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

func (e *ProtocolError) Error() string { return e.Code + ": " + e.Message }

func protoErr(code, field, format string, args ...any) *ProtocolError {
	return &ProtocolError{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Decode parses and validates one message from a browser.
func Decode(data []byte) (ClientMessage, error) {
	var m ClientMessage
	if len(data) > MaxMessageBytes {
		return m, protoErr("too_large", "", "a message may be at most %d bytes", MaxMessageBytes)
	}
	if !utf8.Valid(data) {
		return m, protoErr("malformed", "", "a message must be UTF-8 JSON")
	}
	pd := decoders.Get().(*pooledDecoder)
	defer decoders.Put(pd)
	d := pd.dec
	// A *bytes.Buffer is parsed where it lies, without a copy.
	d.Reset(bytes.NewBuffer(data))
	defer d.Reset(&pd.none) // keep no reference to the message
	if err := json.UnmarshalDecode(d, &m, json.RejectUnknownMembers(true)); err != nil {
		return m, describe(err)
	}
	if _, err := d.ReadToken(); !errors.Is(err, io.EOF) {
		return m, protoErr("malformed", "", "one JSON object per message")
	}
	if m.V != Version {
		return m, protoErr("unsupported_version", "v", "this server speaks version %d", Version)
	}
	return m, m.validate()
}

// decoders are kept between messages: a decoder made per message, with
// its buffers, was most of what a relayed message allocated.
var decoders = sync.Pool{New: func() any {
	pd := &pooledDecoder{}
	pd.dec = jsontext.NewDecoder(&pd.none)
	return pd
}}

// pooledDecoder is a decoder and the empty input it rests on between
// messages.
type pooledDecoder struct {
	dec  *jsontext.Decoder
	none bytes.Buffer
}

// describe turns a decoding error into the protocol's: a member the
// protocol does not have, a value of the wrong type (named by its path,
// "sdp.type"), or anything else that is not one JSON object (bad syntax, a
// name given twice).
func describe(err error) error {
	var semantic *json.SemanticError
	if errors.As(err, &semantic) {
		field := strings.ReplaceAll(strings.TrimPrefix(string(semantic.JSONPointer), "/"), "/", ".")
		if errors.Is(semantic.Err, json.ErrUnknownName) {
			return protoErr("unknown_field", field, "unknown field %q", field)
		}
		if semantic.JSONKind != 0 || semantic.GoType != nil {
			return protoErr("wrong_type", field, "%s has the wrong type", field)
		}
	}
	return protoErr("malformed", "", "not a JSON object")
}

// TakeOffer checks an offer the agent's live queue page sends with its
// take (the first offer, made ahead): the same rules as an "offer" message.
// Its error is a *ProtocolError whose field is the form's ("offer").
func TakeOffer(sdp string) (*SessionDescription, error) {
	m := ClientMessage{V: Version, Type: TypeOffer, SDP: &SessionDescription{Type: TypeOffer, SDP: sdp}}
	if err := m.validate(); err != nil {
		e := err.(*ProtocolError)
		e.Field = "offer"
		return nil, e
	}
	return m.SDP, nil
}

func (m *ClientMessage) validate() error {
	switch m.Type {
	case TypeOffer, TypeAnswer:
		if m.SDP == nil {
			return protoErr("required", "sdp", "%s needs sdp", m.Type)
		}
		if m.SDP.Type != m.Type {
			return protoErr("invalid", "sdp.type", "sdp.type must be %q", m.Type)
		}
		if len(m.SDP.SDP) > MaxSDPBytes || !strings.HasPrefix(m.SDP.SDP, "v=0") {
			return protoErr("invalid", "sdp.sdp", "not a session description")
		}
		return m.only("sdp")
	case TypeCandidate:
		if m.Candidate == nil {
			return protoErr("required", "candidate", "candidate needs candidate")
		}
		c := m.Candidate.Candidate
		if len(c) > MaxCandidate || (c != "" && !strings.HasPrefix(c, "candidate:")) {
			return protoErr("invalid", "candidate.candidate", "not an ICE candidate")
		}
		return m.only("candidate")
	case TypeChat:
		n := utf8.RuneCountInString(strings.TrimSpace(m.Text))
		if n == 0 || utf8.RuneCountInString(m.Text) > MaxChatRunes {
			return protoErr("invalid", "text", "a chat message has 1 to %d characters", MaxChatRunes)
		}
		return m.only("text")
	case TypeQuality:
		if m.Level != "good" && m.Level != "fair" && m.Level != "poor" {
			return protoErr("invalid", "level", "level is good, fair or poor")
		}
		return m.only("level")
	case TypeCamera:
		// A track that looks injected may have no label at all: then its
		// signs are the message.
		if (m.Label == "" && len(m.Injected) == 0) || utf8.RuneCountInString(m.Label) > MaxCameraLabel || strings.ContainsFunc(m.Label, unicode.IsControl) {
			return protoErr("invalid", "label", "a camera label has 1 to %d characters and no control characters", MaxCameraLabel)
		}
		if m.Injected != nil {
			signs, ok := injectedSigns(m.Injected)
			if !ok {
				return protoErr("invalid", "injected", "injected lists each of %s at most once", strings.Join(InjectedSigns, ", "))
			}
			m.Injected = signs
		}
		return m.only("label", "injected")
	case TypeScreen:
		if m.Sharing == nil {
			return protoErr("required", "sharing", "screen needs sharing: true or false")
		}
		return m.only("sharing")
	case TypePing:
		return m.only()
	case "":
		return protoErr("required", "type", "every message has a type")
	}
	return protoErr("unknown_type", "type", "unknown message type %q", m.Type)
}

// only refuses fields that do not belong to the message's type.
func (m *ClientMessage) only(fields ...string) error {
	present := map[string]bool{"sdp": m.SDP != nil, "candidate": m.Candidate != nil, "text": m.Text != "", "level": m.Level != "", "label": m.Label != "",
		"injected": m.Injected != nil, "sharing": m.Sharing != nil}
	for name, set := range present {
		if set && !contains(fields, name) {
			return protoErr("unexpected_field", name, "%s does not belong in a %s message", name, m.Type)
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
