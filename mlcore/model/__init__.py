"""The network, the not-a-chest-X-ray gate, inference and saliency maps."""
