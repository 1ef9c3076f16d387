package call

import (
	"errors"
	"strings"
	"testing"
)

func TestDecode(t *testing.T) {
	sdp := `"v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"`
	tests := []struct {
		name, in  string
		wantCode  string
		wantField string
	}{
		{"offer", `{"v":1,"type":"offer","sdp":{"type":"offer","sdp":` + sdp + `}}`, "", ""},
		{"answer", `{"v":1,"type":"answer","sdp":{"type":"answer","sdp":` + sdp + `}}`, "", ""},
		{"candidate", `{"v":1,"type":"candidate","candidate":{"candidate":"candidate:1 1 udp 2122260223 127.0.0.1 5000 typ host","sdpMid":"0","sdpMLineIndex":0}}`, "", ""},
		{"end of candidates", `{"v":1,"type":"candidate","candidate":{"candidate":""}}`, "", ""},
		{"chat", `{"v":1,"type":"chat","text":"Can you hear me?"}`, "", ""},
		{"quality", `{"v":1,"type":"quality","level":"fair"}`, "", ""},
		{"ping", `{"v":1,"type":"ping"}`, "", ""},
		{"camera", `{"v":1,"type":"camera","label":"OBS Virtual Camera"}`, "", ""},
		{"camera without label", `{"v":1,"type":"camera"}`, "invalid", "label"},
		{"camera label too long", `{"v":1,"type":"camera","label":"` + strings.Repeat("é", MaxCameraLabel+1) + `"}`, "invalid", "label"},
		{"camera label with control", `{"v":1,"type":"camera","label":"cam\u0000era"}`, "invalid", "label"},
		{"camera with text", `{"v":1,"type":"camera","label":"cam","text":"hi"}`, "unexpected_field", "text"},
		{"camera with injected signs", `{"v":1,"type":"camera","label":"cam","injected":["canvas","no_device"]}`, "", ""},
		{"camera with only injected signs", `{"v":1,"type":"camera","injected":["no_device"]}`, "", ""},
		{"camera with no label and no signs", `{"v":1,"type":"camera","injected":[]}`, "invalid", "label"},
		{"camera with an unknown sign", `{"v":1,"type":"camera","label":"cam","injected":["deepfake"]}`, "invalid", "injected"},
		{"camera with a sign twice", `{"v":1,"type":"camera","label":"cam","injected":["canvas","canvas"]}`, "invalid", "injected"},
		{"camera with signs not a list", `{"v":1,"type":"camera","label":"cam","injected":"canvas"}`, "wrong_type", "injected"},
		{"chat with injected", `{"v":1,"type":"chat","text":"hi","injected":["canvas"]}`, "unexpected_field", "injected"},
		{"screen started", `{"v":1,"type":"screen","sharing":true}`, "", ""},
		{"screen stopped", `{"v":1,"type":"screen","sharing":false}`, "", ""},
		{"screen without sharing", `{"v":1,"type":"screen"}`, "required", "sharing"},
		{"screen with null sharing", `{"v":1,"type":"screen","sharing":null}`, "required", "sharing"},
		{"screen sharing not a boolean", `{"v":1,"type":"screen","sharing":"yes"}`, "wrong_type", "sharing"},
		{"screen with label", `{"v":1,"type":"screen","sharing":true,"label":"screen:0:0"}`, "unexpected_field", "label"},
		{"ping with sharing", `{"v":1,"type":"ping","sharing":true}`, "unexpected_field", "sharing"},
		{"chat with label", `{"v":1,"type":"chat","text":"hi","label":"cam"}`, "unexpected_field", "label"},
		{"no version", `{"type":"ping"}`, "unsupported_version", "v"},
		{"future version", `{"v":2,"type":"ping"}`, "unsupported_version", "v"},
		{"no type", `{"v":1}`, "required", "type"},
		{"unknown type", `{"v":1,"type":"record"}`, "unknown_type", "type"},
		{"unknown field", `{"v":1,"type":"ping","video":"x"}`, "unknown_field", "video"},
		{"wrong type", `{"v":"1","type":"ping"}`, "wrong_type", "v"},
		{"a name twice", `{"v":1,"type":"chat","text":"hi","text":"hello"}`, "malformed", ""},
		{"a name in other case", `{"v":1,"Type":"ping"}`, "unknown_field", "Type"},
		{"sdp type not a string", `{"v":1,"type":"offer","sdp":{"type":1,"sdp":` + sdp + `}}`, "wrong_type", "sdp.type"},
		{"unknown field inside", `{"v":1,"type":"offer","sdp":{"type":"offer","sdp":` + sdp + `,"x":1}}`, "unknown_field", "sdp.x"},
		{"not json", `hello`, "malformed", ""},
		{"two objects", `{"v":1,"type":"ping"}{}`, "malformed", ""},
		{"offer without sdp", `{"v":1,"type":"offer"}`, "required", "sdp"},
		{"offer with answer sdp", `{"v":1,"type":"offer","sdp":{"type":"answer","sdp":` + sdp + `}}`, "invalid", "sdp.type"},
		{"offer with junk sdp", `{"v":1,"type":"offer","sdp":{"type":"offer","sdp":"<script>"}}`, "invalid", "sdp.sdp"},
		{"bad candidate", `{"v":1,"type":"candidate","candidate":{"candidate":"rm -rf"}}`, "invalid", "candidate.candidate"},
		{"empty chat", `{"v":1,"type":"chat","text":"   "}`, "invalid", "text"},
		{"long chat", `{"v":1,"type":"chat","text":"` + strings.Repeat("é", MaxChatRunes+1) + `"}`, "invalid", "text"},
		{"bad level", `{"v":1,"type":"quality","level":"superb"}`, "invalid", "level"},
		{"chat with sdp", `{"v":1,"type":"chat","text":"hi","sdp":{"type":"offer","sdp":` + sdp + `}}`, "unexpected_field", "sdp"},
		{"too large", `{"v":1,"type":"chat","text":"` + strings.Repeat("a", MaxMessageBytes) + `"}`, "too_large", ""},
		{"invalid utf-8", "{\"v\":1,\"type\":\"chat\",\"text\":\"\xff\"}", "malformed", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode([]byte(tt.in))
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			var pe *ProtocolError
			if !errors.As(err, &pe) || pe.Code != tt.wantCode || pe.Field != tt.wantField {
				t.Fatalf("error %v, want code %q field %q", err, tt.wantCode, tt.wantField)
			}
		})
	}
}

// FuzzDecode: no input crashes the decoder, every refusal is a
// ProtocolError with a code, and every accepted message has a known type.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"v":1,"type":"offer","sdp":{"type":"offer","sdp":"v=0\r\n"}}`,
		`{"v":1,"type":"candidate","candidate":{"candidate":"candidate:1 1 udp 1 1.2.3.4 5 typ host","sdpMLineIndex":70000}}`,
		`{"v":1,"type":"chat","text":"hi"}`, `{"v":1,"type":"quality","level":"good"}`, `{"v":1,"type":"ping"}`,
		`{"v":1,"type":"camera","label":"ManyCam Virtual Webcam"}`, `{"v":1,"type":"camera","label":""}`,
		`{"v":1,"type":"camera","injected":["canvas","unlisted_device"]}`, `{"v":1,"type":"screen","sharing":true}`,
		`{"v":1,"type":"chat","text":null}`, `{"v":1e999}`, `[]`, `null`, ``, `{"v":1,"type":"offer","sdp":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Decode(data)
		if err != nil {
			var pe *ProtocolError
			if !errors.As(err, &pe) || pe.Code == "" || pe.Message == "" {
				t.Fatalf("refusal without a code: %v", err)
			}
			return
		}
		if !contains([]string{TypeOffer, TypeAnswer, TypeCandidate, TypeChat, TypeQuality, TypePing, TypeCamera, TypeScreen}, m.Type) {
			t.Fatalf("accepted unknown type %q", m.Type)
		}
	})
}

// Decode gives the injected-track signs in the order of InjectedSigns,
// whatever order the page sent them in.
func TestDecodeOrdersInjectedSigns(t *testing.T) {
	m, err := Decode([]byte(`{"v":1,"type":"camera","injected":["canvas","unlisted_device","no_device"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(m.Injected, ","); got != "no_device,unlisted_device,canvas" {
		t.Fatalf("signs %q, want them in the order of InjectedSigns", got)
	}
}
