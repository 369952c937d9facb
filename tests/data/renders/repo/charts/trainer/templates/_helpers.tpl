{{- define "trainer.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "trainer.tolerations" -}}
- key: example.com/dedicated
  operator: Exists
{{- end -}}
