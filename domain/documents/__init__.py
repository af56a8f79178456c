"""Trusted documents: the GraphQL documents front ends register at build time.

A front end's build writes a manifest of the documents it will send (:mod:`.manifests` reads
them); ``redthread documents import`` stores them (:mod:`.store`), and a request may then name
a document by its id instead of sending its text. The documents belong to the deployment,
not to a workspace.
"""
