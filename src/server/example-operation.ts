/** What GraphiQL opens on: plan a request, then look at the workflow it made. */
export const EXAMPLE_OPERATION = `# Baton plans a request as a DAG of agent tasks and runs it.
# 1. Run "Plan" (it starts at once: autoStart).
# 2. Paste the returned id into "Workflow" below, or subscribe to its events:
#    subscription { workflowEvents(workflowId: "<id>") { seq kind at ... on TaskEvent { key agent } } }

mutation Plan {
  planWorkflow(input: { request: "Build a complete authentication system with JWT tokens", autoStart: true }) {
    id
    status
  }
}

query Workflow($id: ID = "") {
  workflow(id: $id) {
    id
    status
    description
    progress { completed total percent }
    tasks {
      key
      status
      agent { name }
      description
      dependsOn { key }
      output
    }
  }
}

query Recent {
  workflows(first: 10) {
    edges { node { id status description createdAt progress { percent } } }
  }
}
`;
