"""The wire: nslab's relay for delay on kernels without netem (nslab.wire.relay)."""
