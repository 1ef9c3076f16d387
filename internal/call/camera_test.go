package call

import "testing"

func TestVirtualCamera(t *testing.T) {
	tests := []struct{ label, want string }{
		{"OBS Virtual Camera", "OBS Virtual Camera"},
		{"obs virtual camera (1234:5678)", "OBS Virtual Camera"},
		{"ManyCam Virtual Webcam", "ManyCam"},
		{"XSplit VCam", "XSplit VCam"},
		{"Snap Camera", "Snap Camera"},
		{"mmhmm Camera", "mmhmm"},
		{"e2eSoft VCam", "e2eSoft VCam"},
		{"CamTwist", "CamTwist"},
		{"Some Virtual Device", "Virtual"},
		{"FaceTime HD Camera (Built-in)", ""},
		{"Integrated Webcam (0bda:58f4)", ""},
		{"fake_device_0", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := VirtualCamera(tt.label); got != tt.want {
			t.Errorf("VirtualCamera(%q) = %q, want %q", tt.label, got, tt.want)
		}
	}
}
