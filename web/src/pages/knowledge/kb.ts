// The knowledge base's calls, all through the typed client (client.ts), and
// the small rules the screens share (who edits, which client).

import type { components } from '../../generated/openapi';
import type { Me } from '../../api';
import { client, ok } from '../../client';
import { mayAtClient } from '../../session';

type S = components['schemas'];
export type Category = S['KnowledgeCategory'];
export type Article = S['Article'];
export type ArticleSummary = S['ArticleSummary'];
export type Hit = S['ArticleHit'];
export type Version = S['ArticleVersion'];
export type VersionSummary = S['ArticleVersionSummary'];
export type VersionState = S['ArticleVersionState'];
export type Language = S['KnowledgeLanguage'];
export type Visibility = S['KnowledgeVisibility'];
export type Translation = S['ArticleTranslation'];
export type Saved = S['ArticleSaved'];
export type KnowledgeProject = S['KnowledgeProject'];
export type KnowledgeProjectDetail = S['KnowledgeProjectDetail'];
export type ProjectAgent = S['KnowledgeProjectAgent'];

export const LANGUAGES: Language[] = ['de', 'en'];

/** The clients whose knowledge the user can open: every client they see (`clients` in /me). */
export function ownClients(me: Me): { id: number; name: string }[] {
  return me.clients.map((c) => ({ id: c.id, name: c.name }));
}

/** Who may write and publish the client's knowledge: the server's `can.edit_knowledge` in /me. */
export function isEditor(me: Me, clientId: number): boolean {
  return mayAtClient(me, clientId, 'edit_knowledge');
}

/** The client's projects in which the user (an agent) was granted editing of the articles limited to them. */
export function grantedProjects(me: Me, clientId: number): { id: number; key: string; name: string }[] {
  return me.projects.filter((p) => p.client_id === clientId && p.edits_knowledge).map((p) => ({ id: p.id, key: p.key, name: p.name }));
}

/** Who sees and restores deleted articles: the server's `can.restore_knowledge` in /me. */
export function canRestore(me: Me, clientId: number): boolean {
  return mayAtClient(me, clientId, 'restore_knowledge');
}

/** Knowledge is for everybody who sees a client (a project's member, its admin, platform admins). */
export function hasKnowledge(me: Me): boolean {
  return me.projects.length > 0 || me.clients.length > 0;
}

export const kb = {
  categories: (clientId: number) =>
    ok(client.GET('/api/v1/knowledge/categories', { params: { query: { client_id: clientId } } })).then((l) => l.items),
  createCategory: (body: S['NewKnowledgeCategory']) => ok(client.POST('/api/v1/knowledge/categories', { body })),
  updateCategory: (id: number, body: S['KnowledgeCategoryPatch']) =>
    ok(client.PATCH('/api/v1/knowledge/categories/{id}', { params: { path: { id } }, body })),
  deleteCategory: (id: number) => ok(client.DELETE('/api/v1/knowledge/categories/{id}', { params: { path: { id } } })),
  articles: (query: { client_id: number; category_id?: number | null; tag?: string | null; deleted?: boolean | null; before_id?: number | null; limit?: number }) =>
    ok(client.GET('/api/v1/knowledge/articles', { params: { query } })).then((l) => l.items),
  search: (query: { client_id: number; q: string; category_id?: number | null; tag?: string | null; language?: Language | null }) =>
    ok(client.GET('/api/v1/knowledge/search', { params: { query } })).then((l) => l.items),
  article: (id: number) => ok(client.GET('/api/v1/knowledge/articles/{id}', { params: { path: { id } } })),
  createArticle: (body: S['NewArticle']) => ok(client.POST('/api/v1/knowledge/articles', { body })),
  updateArticle: (id: number, body: S['ArticlePatch']) =>
    ok(client.PATCH('/api/v1/knowledge/articles/{id}', { params: { path: { id } }, body })),
  deleteArticle: (id: number) => ok(client.DELETE('/api/v1/knowledge/articles/{id}', { params: { path: { id } } })),
  undelete: (id: number) => ok(client.POST('/api/v1/knowledge/articles/{id}/undelete', { params: { path: { id } } })),
  versions: (id: number) =>
    ok(client.GET('/api/v1/knowledge/articles/{id}/versions', { params: { path: { id } } })).then((l) => l.items),
  version: (id: number, versionId: number) =>
    ok(client.GET('/api/v1/knowledge/articles/{id}/versions/{version_id}', { params: { path: { id, version_id: versionId } } })),
  save: (id: number, body: S['NewArticleVersion']) =>
    ok(client.POST('/api/v1/knowledge/articles/{id}/versions', { params: { path: { id } }, body })),
  submit: (id: number, versionId: number) =>
    ok(client.POST('/api/v1/knowledge/articles/{id}/versions/{version_id}/submit', { params: { path: { id, version_id: versionId } } })),
  publish: (id: number, versionId: number) =>
    ok(client.POST('/api/v1/knowledge/articles/{id}/versions/{version_id}/publish', { params: { path: { id, version_id: versionId } } })),
  restore: (id: number, versionId: number) =>
    ok(client.POST('/api/v1/knowledge/articles/{id}/versions/{version_id}/restore', { params: { path: { id, version_id: versionId } } })),
  unpublish: (id: number, language: Language) =>
    ok(client.POST('/api/v1/knowledge/articles/{id}/unpublish', { params: { path: { id } }, body: { language } })),
  review: (clientId: number) =>
    ok(client.GET('/api/v1/knowledge/review', { params: { query: { client_id: clientId } } })).then((l) => l.items),
  projects: (clientId: number) =>
    ok(client.GET('/api/v1/knowledge/projects', { params: { query: { client_id: clientId } } })).then((l) => l.items),
  project: (id: number) => ok(client.GET('/api/v1/knowledge/projects/{id}', { params: { path: { id } } })),
  switchHelpCenter: (id: number, enabled: boolean) =>
    ok(client.PUT('/api/v1/knowledge/projects/{id}/help-center', { params: { path: { id } }, body: { enabled } })),
  grant: (id: number, userId: number) =>
    ok(client.PUT('/api/v1/knowledge/projects/{id}/editors/{user_id}', { params: { path: { id, user_id: userId } } })),
  revoke: (id: number, userId: number) =>
    ok(client.DELETE('/api/v1/knowledge/projects/{id}/editors/{user_id}', { params: { path: { id, user_id: userId } } })),
  preview: (clientId: number, body: string) =>
    ok(client.POST('/api/v1/knowledge/preview', { body: { client_id: clientId, body } })).then((p) => p.html),
};
