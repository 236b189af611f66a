"""The GCP target: a Phoenix app on Cloud Run with Cloud SQL, Memorystore, GCS and Secret Manager.

`stack.PhoenixGcp` composes one component per resource group; `settings.gcp_args` decides what
they get from `infera.yaml`.
"""
