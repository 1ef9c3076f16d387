package call

import "strings"

// VirtualCameras names the cameras that are software, not a lens: screen
// recorders, avatar and filter apps. A freelancer's camera whose label
// contains one of these (case-insensitive) is pointed out to the agent as
// "virtual", calmly: such cameras are common and say nothing by themselves,
// and the live check applies as always. The hint decides nothing, is never
// stored and is never shown to the freelancer.
//
// Each entry is what a label contains; the first that matches names the
// camera in the hint. The generic "virtual" comes last, so that a known
// product is named as itself.
var VirtualCameras = []string{
	"OBS Virtual Camera",
	"OBS-Camera",
	"ManyCam",
	"XSplit VCam",
	"Snap Camera",
	"mmhmm",
	"e2eSoft VCam",
	"CamTwist",
	"NVIDIA Broadcast",
	"Logi Capture",
	"ChromaCam",
	"SplitCam",
	"YouCam",
	"Camo",
	"DroidCam",
	"Iriun",
	"EpocCam",
	"vMix Video",
	"Virtual",
}

// MaxCameraLabel is the longest camera label a browser may report.
const MaxCameraLabel = 256

// VirtualCamera reports which virtual camera a label names, or "" when
// it names none of VirtualCameras.
func VirtualCamera(label string) string {
	lower := strings.ToLower(label)
	for _, name := range VirtualCameras {
		if strings.Contains(lower, strings.ToLower(name)) {
			return name
		}
	}
	return ""
}

// InjectedSigns are what the freelancer's page may report about its camera
// track when the track looks injected rather than opened from a device:
// another program or a browser extension handing the page a drawn or
// replayed picture in place of the camera. Each sign is a plain fact the
// browser reports, checked in web/static/js/portal.js (injectedSigns) and
// written down in docs/SIGNALING.md; none proves anything. A browser may
// leave a setting out for its own reasons, and a privacy extension may
// hide devices, so the agent sees a calm hint that decides nothing, as for
// a virtual camera. The order here is the order the agent's page gets them.
var InjectedSigns = []string{
	// SignNoDevice: the track's settings name no deviceId, which every
	// camera opened with getUserMedia has.
	SignNoDevice,
	// SignUnlistedDevice: the track's deviceId is not among the cameras
	// the browser lists (enumerateDevices).
	SignUnlistedDevice,
	// SignCanvas: the track is a CanvasCaptureMediaStreamTrack, a picture
	// drawn by a script (canvas.captureStream), not a camera.
	SignCanvas,
}

// The injected-track signs; see InjectedSigns.
const (
	SignNoDevice       = "no_device"
	SignUnlistedDevice = "unlisted_device"
	SignCanvas         = "canvas"
)

// injectedSigns checks the signs a page reported: each a known one, none
// twice. It returns them in the order of InjectedSigns.
func injectedSigns(reported []string) ([]string, bool) {
	seen := map[string]bool{}
	for _, s := range reported {
		if seen[s] || !contains(InjectedSigns, s) {
			return nil, false
		}
		seen[s] = true
	}
	var out []string
	for _, s := range InjectedSigns {
		if seen[s] {
			out = append(out, s)
		}
	}
	return out, true
}
