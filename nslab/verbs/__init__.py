"""What each verb does, in order, through the effect seam: up, down, status,
inspect, ns, test, why, doctor, graph, gc. A reader finds a verb's code under
its name; the CLI only parses, calls these, renders views and exits."""
