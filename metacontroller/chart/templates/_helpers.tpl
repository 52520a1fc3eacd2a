{{/* Name of the chart, or nameOverride. */}}
{{- define "kdhooks.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name of the hooks Deployment, Service and ServiceAccount: fullnameOverride, else the release
name when it contains the chart name, else <release>-<name>.
*/}}
{{- define "kdhooks.fullname" -}}
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

{{/* Chart name and version, for the helm.sh/chart label. */}}
{{- define "kdhooks.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels that select the hooks pods (never change them on upgrade: selectors are immutable). */}}
{{- define "kdhooks.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kdhooks.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Standard labels of every object of the chart. */}}
{{- define "kdhooks.labels" -}}
helm.sh/chart: {{ include "kdhooks.chart" . }}
{{ include "kdhooks.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: kubedirector
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Name of the hooks' ServiceAccount. */}}
{{- define "kdhooks.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "kdhooks.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The hooks image: repository@digest, or repository:tag (tag defaults to appVersion). */}}
{{- define "kdhooks.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* Base URL of the hooks as Metacontroller reaches them: the Service in the release namespace. */}}
{{- define "kdhooks.url" -}}
{{- printf "http://%s.%s:%d" (include "kdhooks.fullname" .) .Release.Namespace (int .Values.service.port) }}
{{- end }}

{{/* The Secret holding the bearer token of the hook calls (key `token`). */}}
{{- define "kdhooks.authSecretName" -}}
{{- default (printf "%s-auth" (include "kdhooks.fullname" .)) .Values.auth.existingSecret }}
{{- end }}
