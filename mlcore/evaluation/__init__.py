"""What a model says about labelled images, and the artifact's figures."""
