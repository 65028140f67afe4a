{{/* The chart name, or nameOverride. */}}
{{- define "tacoma.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The full name of the release's resources. Truncated to 63 characters because some Kubernetes
name fields are limited to that (DNS-1123 labels).
*/}}
{{- define "tacoma.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "tacoma.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The labels every resource carries (Kubernetes' recommended app.kubernetes.io set). */}}
{{- define "tacoma.labels" -}}
helm.sh/chart: {{ include "tacoma.chart" . }}
{{ include "tacoma.selectorLabels" . }}
app.kubernetes.io/version: {{ include "tacoma.version" . | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: tacoma
{{- end }}

{{/* The labels that select the pods; they must never change across upgrades. */}}
{{- define "tacoma.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tacoma.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "tacoma.version" -}}
{{- .Values.image.tag | default .Chart.AppVersion | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "tacoma.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
{{- end }}

{{- define "tacoma.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "tacoma.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Whether the store is PostgreSQL (non-empty) or SQLite in the data dir (empty). */}}
{{- define "tacoma.postgres" -}}
{{- if .Values.database.existingSecret }}true{{ end }}
{{- end }}

{{/*
tacoma.validate stops the render on settings that would deploy something broken or leak a
secret into the release, which Helm stores in the cluster readable to anyone who can list it.
*/}}
{{- define "tacoma.validate" -}}
{{- if and (gt (int .Values.replicaCount) 1) (not (include "tacoma.postgres" .)) }}
{{- fail (printf "replicaCount is %d, but more than one replica needs PostgreSQL: set database.existingSecret to a Secret holding the DSN (the SQLite store lives in one pod's data dir and cannot be shared)" (int .Values.replicaCount)) }}
{{- end }}
{{- if not .Values.slack.existingSecret }}
{{- fail "slack.existingSecret is empty: name the Secret holding the Slack tokens (kubectl create secret generic tacoma-slack --from-literal=app-token=xapp-... --from-literal=bot-token=xoxb-...)" }}
{{- end }}
{{- with .Values.config.store }}
{{- if .dsn }}
{{- fail "config.store.dsn is set: a DSN holds a password, so put it in a Secret and set database.existingSecret instead" }}
{{- end }}
{{- end }}
{{- range .Values.extraEnv }}
{{- if and (kindIs "string" .value) (regexMatch "^(xox[a-z]|xapp)-" (.value | default "")) }}
{{- fail (printf "extraEnv %s holds a Slack token: put it in a Secret (slack.existingSecret)" .name) }}
{{- end }}
{{- end }}
{{- end }}

{{/* An env var read from key of Secret name; optional when a missing key is allowed. */}}
{{- define "tacoma.secretEnv" -}}
- name: {{ .env }}
  valueFrom:
    secretKeyRef:
      name: {{ .name | quote }}
      key: {{ .key | quote }}
      {{- if .optional }}
      optional: true
      {{- end }}
{{- end }}
