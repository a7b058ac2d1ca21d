//go:build tools

// Package tools pins what scripts/kubelet.sh and scripts/node-conformance.sh build from this module: kubelet, the
// node e2e suite (test/e2e_node), agnhost (the suite's test image program) and the ginkgo runner that runs the
// suite in parallel; go mod tidy keeps their dependencies.
package tools

import (
	_ "github.com/onsi/ginkgo/v2/ginkgo"
	_ "k8s.io/kubernetes/cmd/kubelet"
	_ "k8s.io/kubernetes/test/e2e_node"
	_ "k8s.io/kubernetes/test/images/agnhost"
)
