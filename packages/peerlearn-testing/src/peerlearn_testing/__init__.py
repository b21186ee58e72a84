"""pytest fixtures shared by the PeerLearn packages' tests (development only: no runtime package
imports it; each package's ``[test]`` extra installs it)."""
