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
