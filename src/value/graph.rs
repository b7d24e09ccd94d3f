//! Graph values: nodes, relationships and paths.

use super::Map;
use std::sync::Arc;

/// A node in the graph.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The legacy numeric id (`-1` when the server sent none).
    pub id: i64,
    /// The element id (Bolt 5.0+; the numeric id as a string before).
    pub element_id: String,
    /// The labels.
    pub labels: Vec<String>,
    /// The properties.
    pub properties: Map,
}

/// A relationship between two nodes.
#[derive(Debug, Clone, PartialEq)]
pub struct Relationship {
    /// The legacy numeric id.
    pub id: i64,
    /// The element id (Bolt 5.0+; the numeric id as a string before).
    pub element_id: String,
    /// The legacy id of the start node.
    pub start_node_id: i64,
    /// The element id of the start node.
    pub start_node_element_id: String,
    /// The legacy id of the end node.
    pub end_node_id: i64,
    /// The element id of the end node.
    pub end_node_element_id: String,
    /// The relationship type.
    pub rel_type: String,
    /// The properties.
    pub properties: Map,
}

/// A relationship as sent inside a path, without its end points.
#[derive(Debug, Clone, PartialEq)]
pub struct UnboundRelationship {
    /// The legacy numeric id.
    pub id: i64,
    /// The element id (Bolt 5.0+; the numeric id as a string before).
    pub element_id: String,
    /// The relationship type.
    pub rel_type: String,
    /// The properties.
    pub properties: Map,
}

impl UnboundRelationship {
    /// Binds this relationship to its end points.
    pub fn bind(self, start: &Node, end: &Node) -> Relationship {
        Relationship {
            id: self.id,
            element_id: self.element_id,
            start_node_id: start.id,
            start_node_element_id: start.element_id.clone(),
            end_node_id: end.id,
            end_node_element_id: end.element_id.clone(),
            rel_type: self.rel_type,
            properties: self.properties,
        }
    }
}

/// A walk through the graph: `nodes[0] -rels[0]- nodes[1] -rels[1]- ...`.
///
/// `nodes.len() == relationships.len() + 1`. Each relationship keeps its own direction:
/// `relationships[i]` connects `nodes[i]` and `nodes[i + 1]` in one direction or the other.
///
/// A node or relationship met several times on the walk is one shared value (an [`Arc`]), as
/// the server sends it once: a path of many steps over few distinct elements costs a pointer
/// per step, not a copy (so its decoded size stays a small multiple of the message size).
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    /// The nodes in walk order (a node may appear more than once, shared).
    pub nodes: Vec<Arc<Node>>,
    /// The relationships in walk order (a relationship may appear more than once, shared).
    pub relationships: Vec<Arc<Relationship>>,
}

impl Path {
    /// The first node.
    pub fn start(&self) -> Option<&Node> {
        self.nodes.first().map(|n| &**n)
    }

    /// The last node.
    pub fn end(&self) -> Option<&Node> {
        self.nodes.last().map(|n| &**n)
    }

    /// The number of relationships (segments).
    pub fn len(&self) -> usize {
        self.relationships.len()
    }

    /// Whether the path has no relationships.
    pub fn is_empty(&self) -> bool {
        self.relationships.is_empty()
    }
}
